package io.jcri.sys;

import java.io.IOException;

/** A failed system call, with the call, its arguments and the errno text. */
public final class SysException extends IOException {
  private final int errno;

  public SysException(String call, int errno) {
    super(call + ": " + strerror(errno));
    this.errno = errno;
  }

  public int errno() {
    return errno;
  }

  private static String strerror(int errno) {
    return switch (errno) {
      case 1 -> "operation not permitted (EPERM)";
      case 2 -> "no such file or directory (ENOENT)";
      case 13 -> "permission denied (EACCES)";
      case 16 -> "device or resource busy (EBUSY)";
      case 17 -> "file exists (EEXIST)";
      case 22 -> "invalid argument (EINVAL)";
      case 61 -> "no data available (ENODATA)";
      case 95 -> "operation not supported (EOPNOTSUPP)";
      default -> "errno " + errno;
    };
  }
}
