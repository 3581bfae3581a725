package io.jcri.runtime.monitor;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The libc calls only the monitor makes (pseudo-terminals, SOCK_SEQPACKET sockets, fifos, raw fd
 * I/O), kept here rather than in {@code io.jcri.sys.LibC} so the installed sys jar other modules
 * build against stays unchanged. Every method throws {@link LastErrorException} on failure.
 */
interface Posix extends Library {
  Posix C = Native.load("c", Posix.class);

  int O_WRONLY = 1;
  int O_RDWR = 2;
  int O_NOCTTY = 0x100;
  int O_NONBLOCK = 0x800;
  int O_CLOEXEC = 0x80000;
  int O_PATH = 0x200000;
  int AF_UNIX = 1;
  int SOCK_SEQPACKET = 5;
  int SOCK_CLOEXEC = 0x80000;
  int SHUT_WR = 1;
  int SHUT_RDWR = 2;
  int MSG_NOSIGNAL = 0x4000;
  long TIOCSWINSZ = 0x5414;
  int EIO = 5;
  int EINTR = 4;
  int ENXIO = 6;

  int posix_openpt(int flags) throws LastErrorException;

  int grantpt(int fd) throws LastErrorException;

  int unlockpt(int fd) throws LastErrorException;

  int ptsname_r(int fd, byte[] buf, long len) throws LastErrorException;

  /** ioctl with a struct winsize argument: rows, cols, xpixel, ypixel. */
  int ioctl(int fd, long request, short[] winsize) throws LastErrorException;

  int mkfifo(String path, int mode) throws LastErrorException;

  int open(String path, int flags) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  long read(int fd, byte[] buf, long count) throws LastErrorException;

  long write(int fd, byte[] buf, long count) throws LastErrorException;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  int connect(int fd, byte[] sockaddr, int len) throws LastErrorException;

  long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

  int shutdown(int fd, int how) throws LastErrorException;
}
