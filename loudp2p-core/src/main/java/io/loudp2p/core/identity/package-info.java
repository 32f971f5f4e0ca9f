/**
 * Peer identities: secp256k1 key pairs, signatures, and peer IDs derived from public keys.
 *
 * <p>{@link io.loudp2p.core.identity.Identity} holds a key pair, signs with ECDSA (RFC 6979
 * deterministic nonces, low-S, 64-byte {@code r || s}) and keeps its key in an owner-only file.
 * {@link io.loudp2p.core.identity.PeerIds} derives peer IDs as Bitcoin derives version 1
 * addresses, so the same code reproduces Bitcoin's published addresses with version byte 0.
 */
@NullMarked
package io.loudp2p.core.identity;

import org.jspecify.annotations.NullMarked;
