package io.jcri.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageWalkTest {
  private static final int DIRS = 10;
  private static final int FILES_PER_DIR = 500;

  @TempDir Path tree;

  @Test
  void manyFilesAreCountedWithoutRememberingEachAndHardLinksCountOnce() throws IOException {
    long expectedBytes = (Long) Files.getAttribute(tree, "size", LinkOption.NOFOLLOW_LINKS);
    long expectedInodes = 1;
    for (int d = 0; d < DIRS; d++) {
      Path dir = Files.createDirectory(tree.resolve("d" + d));
      for (int f = 0; f < FILES_PER_DIR; f++) {
        Files.write(dir.resolve("f" + f), new byte[] {1, 2, 3});
        expectedBytes += 3;
        expectedInodes++;
      }
      expectedBytes += (Long) Files.getAttribute(dir, "size", LinkOption.NOFOLLOW_LINKS);
      expectedInodes++;
    }
    // three files with two more links each, one of them in another directory
    for (int i = 0; i < 3; i++) {
      Path file = tree.resolve("d0/f" + i);
      Files.createLink(tree.resolve("d0/link" + i), file);
      Files.createLink(tree.resolve("d1/link" + i), file);
    }
    Path symlink = Files.createSymbolicLink(tree.resolve("d2/symlink"), tree.resolve("d3"));
    expectedBytes += (Long) Files.getAttribute(symlink, "size", LinkOption.NOFOLLOW_LINKS);
    expectedInodes++;

    UsageWalk walk = new UsageWalk();
    Trees.Usage usage = walk.walk(tree);

    assertEquals(new Trees.Usage(expectedBytes, expectedInodes), usage);
    assertEquals(3, walk.remembered(), "only the hard-linked files are remembered");
    assertEquals(usage, Trees.usage(tree));
  }

  @Test
  void aMissingDirectoryUsesNothing() throws IOException {
    assertEquals(new Trees.Usage(0, 0), Trees.usage(tree.resolve("absent")));
  }
}
