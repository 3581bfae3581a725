package io.jcri.sys;

import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/**
 * syncfs(2) of the filesystem holding a directory, through a descriptor kept open across a batch of
 * writes. A writeback error that some syncfs has already reported is reported again only on
 * descriptors opened before it; opened before the batch's first write, this one hears of every
 * error met while the batch was written, even one another syncfs (a write-behind flush, another
 * process) saw first.
 */
public final class FilesystemSync implements AutoCloseable {
  private static final LibC C = LibC.INSTANCE;

  private final Path dir;
  private final int fd;

  private FilesystemSync(Path dir, int fd) {
    this.dir = dir;
    this.fd = fd;
  }

  /** Opens dir; call before the first write the sync must cover. */
  public static FilesystemSync open(Path dir) throws SysException {
    try {
      return new FilesystemSync(
          dir, C.open(dir.toString(), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC));
    } catch (LastErrorException e) {
      throw new SysException("open " + dir, e.getErrorCode());
    }
  }

  /**
   * Writes and waits for every dirty page and inode of the filesystem; fails if any writeback since
   * {@link #open} failed.
   */
  public void sync() throws SysException {
    try {
      C.syncfs(fd);
    } catch (LastErrorException e) {
      throw new SysException("syncfs " + dir, e.getErrorCode());
    }
  }

  @Override
  public void close() {
    C.close(fd);
  }
}
