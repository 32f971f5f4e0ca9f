package io.loudp2p.spi;

/**
 * Thrown when no usable transport provider is on the class path; the message names the artifact
 * to add.
 */
public final class ProviderNotFoundException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  /** Makes the exception with a message that names what to add. */
  public ProviderNotFoundException(String message) {
    super(message);
  }
}
