package io.jcri.sys;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libc calls jcri makes directly. Every method throws {@link LastErrorException} on failure, so
 * callers see errno; {@link Syscalls} wraps them with messages a person can act on.
 */
public interface LibC extends Library {
  LibC INSTANCE = Native.load("c", LibC.class);

  int CLONE_NEWNS = 0x00020000;
  int CLONE_NEWUTS = 0x04000000;
  int CLONE_NEWIPC = 0x08000000;
  int CLONE_NEWNET = 0x40000000;
  int CLONE_NEWPID = 0x20000000;

  long MS_RDONLY = 1;
  long MS_NOSUID = 2;
  long MS_NODEV = 4;
  long MS_NOEXEC = 8;
  long MS_REMOUNT = 32;
  long MS_BIND = 4096;
  long MS_REC = 16384;
  long MS_PRIVATE = 1 << 18;
  long MS_SLAVE = 1 << 19;
  long MS_SHARED = 1 << 20;

  int MNT_DETACH = 2;

  int PR_SET_CHILD_SUBREAPER = 36;
  int WNOHANG = 1;

  int getpid() throws LastErrorException;

  int mount(String source, String target, String fstype, long flags, String data)
      throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;

  int unshare(int flags) throws LastErrorException;

  int setns(int fd, int nstype) throws LastErrorException;

  int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

  int waitpid(int pid, int[] status, int options) throws LastErrorException;

  int kill(int pid, int signal) throws LastErrorException;

  /** signal(2); handler null is SIG_DFL. */
  Pointer signal(int signum, Pointer handler);

  int mknod(String path, int mode, long dev) throws LastErrorException;

  int lchown(String path, int uid, int gid) throws LastErrorException;

  int lsetxattr(String path, String name, byte[] value, long size, int flags)
      throws LastErrorException;

  long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

  int open(String path, int flags) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int statvfs(String path, Pointer buf) throws LastErrorException;

  long syscall(long number, Object... args) throws LastErrorException;

  int epoll_create1(int flags) throws LastErrorException;

  int epoll_ctl(int epfd, int op, int fd, byte[] event) throws LastErrorException;

  int epoll_wait(int epfd, byte[] events, int maxevents, int timeout) throws LastErrorException;

  int AF_UNIX = 1;
  int SOCK_DGRAM = 2;
  int SOCK_CLOEXEC = 0x80000;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen)
      throws LastErrorException;

  int sethostname(String name, long len) throws LastErrorException;

  int AF_INET = 2;
  long SIOCGIFFLAGS = 0x8913;
  long SIOCSIFFLAGS = 0x8914;

  int ioctl(int fd, long request, byte[] arg) throws LastErrorException;

  // files, descriptors and terminals (conmon's fifos and attach socket, exec's pty, layer
  // unpacking)
  int O_RDONLY = 0;
  int O_WRONLY = 1;
  int O_RDWR = 2;
  int O_NOCTTY = 0x100;
  int O_NONBLOCK = 0x800;
  int O_DIRECTORY = 0x10000;
  int O_CLOEXEC = 0x80000;
  int O_PATH = 0x200000;
  int SOCK_SEQPACKET = 5;
  int SHUT_WR = 1;
  int SHUT_RDWR = 2;
  int MSG_NOSIGNAL = 0x4000;
  long TIOCSWINSZ = 0x5414;
  int SIGKILL = 9;
  int SIGHUP = 1;
  int SIGTERM = 15;
  int ENOENT = 2;
  int EINTR = 4;
  int EIO = 5;
  int ENXIO = 6;
  int EINVAL = 22;
  int AT_FDCWD = -100;
  int AT_SYMLINK_NOFOLLOW = 0x100;

  int chmod(String path, int mode) throws LastErrorException;

  int utimensat(int dirfd, String path, long[] times, int flags) throws LastErrorException;

  int syncfs(int fd) throws LastErrorException;

  int posix_openpt(int flags) throws LastErrorException;

  int grantpt(int fd) throws LastErrorException;

  int unlockpt(int fd) throws LastErrorException;

  int ptsname_r(int fd, byte[] buf, long len) throws LastErrorException;

  int ioctl(int fd, long request, short[] winsize) throws LastErrorException;

  int mkfifo(String path, int mode) throws LastErrorException;

  long read(int fd, byte[] buf, long count) throws LastErrorException;

  long write(int fd, byte[] buf, long count) throws LastErrorException;

  int connect(int fd, byte[] sockaddr, int len) throws LastErrorException;

  long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

  int shutdown(int fd, int how) throws LastErrorException;

  int pipe2(int[] fds, int flags) throws LastErrorException;
}
