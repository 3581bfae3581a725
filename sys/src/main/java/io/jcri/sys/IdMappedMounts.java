package io.jcri.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * ID-mapped mounts (open_tree + mount_setattr(MOUNT_ATTR_IDMAP) + move_mount): a clone of a mount
 * through which files show the owners a user namespace maps them to, so a pod's root owns what the
 * node's root owns on disk and writes files that the node's root owns. For OCI runtimes (runc 1.1)
 * that cannot make such mounts themselves. (overlayfs itself cannot be ID-mapped, at least up to
 * Linux 6.18; its layers can.)
 */
public final class IdMappedMounts {
  private static final LibC C = LibC.INSTANCE;
  // x86_64 system call numbers
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_MOUNT_SETATTR = 442;
  private static final int OPEN_TREE_CLONE = 1;
  private static final int AT_EMPTY_PATH = 0x1000;
  private static final int AT_RECURSIVE = 0x8000;
  private static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  private static final long MOUNT_ATTR_IDMAP = 0x00100000;
  private static final int MOUNT_ATTR_SIZE = 32;

  private IdMappedMounts() {}

  /**
   * Mounts an ID-mapped clone of source (recursively, with the mounts below it) at target, which is
   * created as a file or a directory like source.
   */
  public static void bind(Path source, Path target, Path userns) throws IOException {
    if (Files.isDirectory(source)) {
      Files.createDirectories(target);
    } else {
      Files.createDirectories(target.getParent());
      if (!Files.exists(target)) {
        Files.createFile(target);
      }
    }
    int tree = cloneIdMapped(source, userns, true);
    try {
      attach(tree, target);
    } finally {
      C.close(tree);
    }
  }

  /**
   * Fails unless path's filesystem can be ID-mapped with userns (the clone is dropped, nothing is
   * mounted).
   */
  public static void check(Path path, Path userns) throws IOException {
    C.close(cloneIdMapped(path, userns, false));
  }

  private static int cloneIdMapped(Path source, Path userns, boolean recursive) throws IOException {
    int tree;
    try {
      tree =
          (int)
              C.syscall(
                  SYS_OPEN_TREE,
                  LibC.AT_FDCWD,
                  source.toString(),
                  OPEN_TREE_CLONE | LibC.O_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
    } catch (LastErrorException e) {
      throw new SysException("open_tree " + source, e.getErrorCode());
    }
    int ns = -1;
    try {
      ns = C.open(userns.toString(), LibC.O_RDONLY | LibC.O_CLOEXEC);
      Memory attr = new Memory(MOUNT_ATTR_SIZE);
      attr.clear();
      attr.setLong(0, MOUNT_ATTR_IDMAP); // attr_set
      attr.setLong(24, ns); // userns_fd
      C.syscall(
          SYS_MOUNT_SETATTR,
          tree,
          "",
          AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
          attr,
          (long) MOUNT_ATTR_SIZE);
      return tree;
    } catch (LastErrorException e) {
      C.close(tree);
      throw new SysException(
          (ns < 0 ? "open " + userns : "mount_setattr(MOUNT_ATTR_IDMAP) " + source),
          e.getErrorCode());
    } finally {
      if (ns >= 0) {
        C.close(ns);
      }
    }
  }

  private static void attach(int tree, Path target) throws SysException {
    try {
      C.syscall(
          SYS_MOVE_MOUNT, tree, "", LibC.AT_FDCWD, target.toString(), MOVE_MOUNT_F_EMPTY_PATH);
    } catch (LastErrorException e) {
      throw new SysException("move_mount onto " + target, e.getErrorCode());
    }
  }
}
