/**
 * Audio for demos and tests: {@link io.loudp2p.examples.audio.SynthesizedMusic} writes short,
 * deterministic, tagged WAV files that the catalog indexes like any other music.
 */
@NullMarked
package io.loudp2p.examples.audio;

import org.jspecify.annotations.NullMarked;
