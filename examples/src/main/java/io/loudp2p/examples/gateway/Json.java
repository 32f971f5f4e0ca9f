package io.loudp2p.examples.gateway;

/**
 * The little JSON the gateway writes, by hand: strings are escaped so the output is ASCII and safe
 * to embed anywhere (quotes, backslashes, control characters, {@code <>&}, and everything beyond
 * ASCII, including unpaired surrogates, become escapes).
 *
 * <p>Not thread-safe; one writer per document. Also what {@code search --json} prints.
 */
public final class Json {
  private final StringBuilder out = new StringBuilder();
  private boolean needComma;

  public Json beginObject() {
    comma();
    out.append('{');
    needComma = false;
    return this;
  }

  /** An object as the value of field {@code name}. */
  public Json beginObject(String name) {
    name(name);
    out.append('{');
    needComma = false;
    return this;
  }

  public Json endObject() {
    out.append('}');
    needComma = true;
    return this;
  }

  public Json beginArray(String name) {
    name(name);
    out.append('[');
    needComma = false;
    return this;
  }

  public Json endArray() {
    out.append(']');
    needComma = true;
    return this;
  }

  public Json field(String name, String value) {
    name(name);
    quote(out, value);
    needComma = true;
    return this;
  }

  public Json field(String name, long value) {
    name(name);
    out.append(value);
    needComma = true;
    return this;
  }

  public Json field(String name, boolean value) {
    name(name);
    out.append(value);
    needComma = true;
    return this;
  }

  public Json field(String name, double value) {
    name(name);
    out.append(Double.isFinite(value) ? Double.toString(value) : "null");
    needComma = true;
    return this;
  }

  /** A string inside an array. */
  public Json value(String value) {
    comma();
    quote(out, value);
    needComma = true;
    return this;
  }

  private void name(String name) {
    comma();
    quote(out, name);
    out.append(':');
  }

  private void comma() {
    if (needComma) {
      out.append(',');
    }
  }

  @Override
  public String toString() {
    return out.toString();
  }

  /** {@code {"error": message}}. */
  static String error(String message) {
    return new Json().beginObject().field("error", message).endObject().toString();
  }

  static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '&') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
