package io.jcri.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Thin, checked wrappers over {@link LibC}: one place that turns errno into an exception. */
public final class Syscalls {
  private static final LibC C = LibC.INSTANCE;
  private static final long SYS_GETTID = 186; // x86_64

  private Syscalls() {}

  public static void mount(String source, Path target, String fstype, long flags, String data)
      throws SysException {
    try {
      C.mount(source, target.toString(), fstype, flags, data);
    } catch (LastErrorException e) {
      throw new SysException(
          "mount " + source + " on " + target + " (" + fstype + ")", e.getErrorCode());
    }
  }

  public static void bindMount(Path source, Path target) throws SysException {
    try {
      C.mount(source.toString(), target.toString(), null, LibC.MS_BIND, null);
    } catch (LastErrorException e) {
      throw new SysException("bind mount " + source + " on " + target, e.getErrorCode());
    }
  }

  /**
   * Changes the propagation of the mount at target (MS_SHARED, MS_SLAVE or MS_PRIVATE, optionally |
   * MS_REC).
   */
  public static void setPropagation(Path target, long propagation) throws SysException {
    try {
      C.mount(null, target.toString(), null, propagation, null);
    } catch (LastErrorException e) {
      throw new SysException("make " + target + " propagation " + propagation, e.getErrorCode());
    }
  }

  /** Unmounts (detaching lazily); a path that is not mounted is not an error. */
  public static void unmountIfMounted(Path target) throws SysException {
    try {
      C.umount2(target.toString(), LibC.MNT_DETACH);
    } catch (LastErrorException e) {
      if (e.getErrorCode() != LibC.EINVAL && e.getErrorCode() != LibC.ENOENT) {
        throw new SysException("umount " + target, e.getErrorCode());
      }
    }
  }

  public static void unshare(int flags) throws SysException {
    try {
      C.unshare(flags);
    } catch (LastErrorException e) {
      throw new SysException("unshare " + Integer.toHexString(flags), e.getErrorCode());
    }
  }

  /** Moves the calling thread into the namespace at path (e.g. a pinned netns). */
  public static void setns(Path nsPath, int nstype) throws SysException {
    int fd;
    try {
      fd = C.open(nsPath.toString(), 0x80000 /* O_RDONLY|O_CLOEXEC */);
    } catch (LastErrorException e) {
      throw new SysException("open " + nsPath, e.getErrorCode());
    }
    try {
      C.setns(fd, nstype);
    } catch (LastErrorException e) {
      throw new SysException("setns " + nsPath, e.getErrorCode());
    } finally {
      C.close(fd);
    }
  }

  public static int getpid() {
    return C.getpid();
  }

  public static int gettid() {
    return (int) C.syscall(SYS_GETTID);
  }

  public static void setChildSubreaper() throws SysException {
    try {
      C.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    } catch (LastErrorException e) {
      throw new SysException("prctl(PR_SET_CHILD_SUBREAPER)", e.getErrorCode());
    }
  }

  /**
   * Gives a signal back its default action when this process started with it ignored (nohup, {@code
   * trap '' HUP}): the JVM leaves an ignored signal ignored, so a handler installed later would
   * never run. True when it was ignored.
   */
  public static boolean unignoreSignal(int signal) throws IOException {
    String ignored =
        Files.readAllLines(Path.of("/proc/self/status")).stream()
            .filter(l -> l.startsWith("SigIgn:"))
            .map(l -> l.substring("SigIgn:".length()).strip())
            .findFirst()
            .orElse("0");
    if ((Long.parseUnsignedLong(ignored, 16) & (1L << (signal - 1))) == 0) {
      return false;
    }
    C.signal(signal, null);
    return true;
  }

  /** Sends a signal; false when the process no longer exists. */
  public static boolean kill(int pid, int signal) throws SysException {
    try {
      C.kill(pid, signal);
      return true;
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 3) { // ESRCH
        return false;
      }
      throw new SysException("kill " + pid + " " + signal, e.getErrorCode());
    }
  }

  public static void mknod(Path path, int mode, int major, int minor) throws SysException {
    long dev = ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12);
    try {
      C.mknod(path.toString(), mode, dev);
    } catch (LastErrorException e) {
      throw new SysException("mknod " + path, e.getErrorCode());
    }
  }

  public static void lchown(Path path, int uid, int gid) throws SysException {
    try {
      C.lchown(path.toString(), uid, gid);
    } catch (LastErrorException e) {
      throw new SysException("lchown " + path, e.getErrorCode());
    }
  }

  public static void lsetxattr(Path path, String name, byte[] value) throws SysException {
    try {
      C.lsetxattr(path.toString(), name, value, value.length, 0);
    } catch (LastErrorException e) {
      throw new SysException("setxattr " + name + " on " + path, e.getErrorCode());
    }
  }

  /** The xattr's value, or null when the file does not have it. */
  public static byte[] lgetxattr(Path path, String name) throws SysException {
    byte[] buf = new byte[4096];
    try {
      long n = C.lgetxattr(path.toString(), name, buf, buf.length);
      return java.util.Arrays.copyOf(buf, (int) n);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == 61) {
        return null;
      }
      throw new SysException("getxattr " + name + " on " + path, e.getErrorCode());
    }
  }

  /** Total and free inodes of the filesystem holding path. */
  public static FsInodes inodes(Path path) throws SysException {
    // struct statvfs on x86_64: 11 unsigned longs then int fields; f_files at 5, f_ffree at 6.
    Memory buf = new Memory(112);
    try {
      C.statvfs(path.toString(), buf);
    } catch (LastErrorException e) {
      throw new SysException("statvfs " + path, e.getErrorCode());
    }
    return new FsInodes(buf.getLong(5 * 8), buf.getLong(6 * 8));
  }

  public record FsInodes(long total, long free) {
    public long used() {
      return total - free;
    }
  }

  /**
   * Sends one datagram to a unix socket path ('@' prefix = abstract namespace), as sd_notify does.
   */
  public static void sendUnixDatagram(String socketPath, byte[] message) throws SysException {
    byte[] path = socketPath.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (path.length > 107) {
      throw new SysException("unix socket path too long: " + socketPath, 36);
    }
    byte[] addr = new byte[2 + path.length + (path[0] == '@' ? 0 : 1)];
    addr[0] = (byte) LibC.AF_UNIX;
    System.arraycopy(path, 0, addr, 2, path.length);
    if (path[0] == '@') {
      addr[2] = 0;
    }
    int fd;
    try {
      fd = C.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new SysException("socket(AF_UNIX, SOCK_DGRAM)", e.getErrorCode());
    }
    try {
      C.sendto(fd, message, message.length, 0, addr, addr.length);
    } catch (LastErrorException e) {
      throw new SysException("sendto " + socketPath, e.getErrorCode());
    } finally {
      C.close(fd);
    }
  }

  /** Sets the hostname of the calling thread's UTS namespace. */
  public static void sethostname(String name) throws SysException {
    try {
      C.sethostname(name, name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    } catch (LastErrorException e) {
      throw new SysException("sethostname " + name, e.getErrorCode());
    }
  }

  /** Sets a network interface of the calling thread's netns up (SIOCSIFFLAGS |= IFF_UP). */
  public static void setLinkUp(String ifname) throws SysException {
    byte[] ifreq = new byte[40]; // struct ifreq: char ifr_name[16]; short ifr_flags; ...
    byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(name, 0, ifreq, 0, Math.min(name.length, 15));
    int fd;
    try {
      fd = C.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new SysException("socket(AF_INET)", e.getErrorCode());
    }
    try {
      C.ioctl(fd, LibC.SIOCGIFFLAGS, ifreq);
      ifreq[16] |= 1; // IFF_UP, low byte of the little-endian flags
      C.ioctl(fd, LibC.SIOCSIFFLAGS, ifreq);
    } catch (LastErrorException e) {
      throw new SysException("set link " + ifname + " up", e.getErrorCode());
    } finally {
      C.close(fd);
    }
  }

  /** chmod with all 12 mode bits (set-id, sticky), which Java's permission API cannot set. */
  public static void chmod(Path path, int mode) throws SysException {
    try {
      C.chmod(path.toString(), mode & 07777);
    } catch (LastErrorException e) {
      throw new SysException("chmod " + path, e.getErrorCode());
    }
  }

  /** Sets atime and mtime without following a symlink or opening the file (a FIFO would block). */
  public static void setTimesNoFollow(Path path, java.time.Instant time) throws SysException {
    long[] times = {time.getEpochSecond(), time.getNano(), time.getEpochSecond(), time.getNano()};
    try {
      C.utimensat(LibC.AT_FDCWD, path.toString(), times, LibC.AT_SYMLINK_NOFOLLOW);
    } catch (LastErrorException e) {
      throw new SysException("utimensat " + path, e.getErrorCode());
    }
  }

  /** Flushes the whole filesystem holding dir: one sync for many files. */
  public static void syncfs(Path dir) throws SysException {
    try (FilesystemSync sync = FilesystemSync.open(dir)) {
      sync.sync();
    }
  }
}
