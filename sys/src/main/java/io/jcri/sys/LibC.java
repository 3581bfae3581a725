package io.jcri.sys;

import com.sun.jna.Library;
import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The libc calls jcri makes directly. Every method throws {@link LastErrorException} on
 * failure, so callers see errno; {@link Syscalls} wraps them with messages a person can act on.
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

  int mount(String source, String target, String fstype, long flags, String data) throws LastErrorException;

  int umount2(String target, int flags) throws LastErrorException;

  int unshare(int flags) throws LastErrorException;

  int setns(int fd, int nstype) throws LastErrorException;

  int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

  int waitpid(int pid, int[] status, int options) throws LastErrorException;

  int kill(int pid, int signal) throws LastErrorException;

  int mknod(String path, int mode, long dev) throws LastErrorException;

  int lchown(String path, int uid, int gid) throws LastErrorException;

  int lsetxattr(String path, String name, byte[] value, long size, int flags) throws LastErrorException;

  long lgetxattr(String path, String name, byte[] value, long size) throws LastErrorException;

  int open(String path, int flags) throws LastErrorException;

  int close(int fd) throws LastErrorException;

  int statvfs(String path, Pointer buf) throws LastErrorException;

  long syscall(long number, Object... args) throws LastErrorException;

  int AF_UNIX = 1;
  int SOCK_DGRAM = 2;
  int SOCK_CLOEXEC = 0x80000;

  int socket(int domain, int type, int protocol) throws LastErrorException;

  long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen) throws LastErrorException;

  int sethostname(String name, long len) throws LastErrorException;

  int AF_INET = 2;
  long SIOCGIFFLAGS = 0x8913;
  long SIOCSIFFLAGS = 0x8914;

  int ioctl(int fd, long request, byte[] arg) throws LastErrorException;
}
