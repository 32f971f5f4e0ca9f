/**
 * Audio for demos and tests: {@link io.loudp2p.examples.audio.SynthesizedMusic} writes short,
 * deterministic, tagged WAV files that the catalog indexes like any other music, and {@link
 * io.loudp2p.examples.audio.AudioContainer} tells a file's container from its first bytes.
 */
@NullMarked
package io.loudp2p.examples.audio;

import org.jspecify.annotations.NullMarked;
