package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemSyncTest {
  @TempDir Path dir;

  @Test
  void syncsTheFilesystemOfTheDirectoryOpenedBeforeTheWrites() throws Exception {
    try (FilesystemSync sync = FilesystemSync.open(dir)) {
      Files.writeString(dir.resolve("f"), "data");
      sync.sync();
      sync.sync(); // the descriptor stays usable until closed
    }
  }

  @Test
  void aDirectoryThatIsNotThereIsRefusedByName() {
    SysException e =
        assertThrows(SysException.class, () -> FilesystemSync.open(dir.resolve("missing")));
    assertTrue(e.getMessage().contains(dir.resolve("missing").toString()), e.getMessage());
  }

  @Test
  void aFileIsNotADirectory() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThrows(SysException.class, () -> FilesystemSync.open(file));
  }
}
