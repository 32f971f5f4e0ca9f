package io.loudp2p.examples.lab;

import static org.assertj.core.api.Assumptions.assumeThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test in a lab of its own: opened before each test in a temporary folder (skipped, with the
 * reason, where no lab can be made) and torn down after it, whatever happened.
 */
abstract class LabTestBase {
  @TempDir Path dir;
  Lab lab;

  @BeforeEach
  void openLab() throws Exception {
    assumeThat(Lab.unavailable()).as("%s", Lab.unavailable().orElse("")).isEmpty();
    lab = Lab.open(dir);
    lab.jvmOptions(Lab.TEST_JVM_OPTIONS);
  }

  @AfterEach
  void closeLab() {
    if (lab != null) {
      lab.close();
    }
  }
}
