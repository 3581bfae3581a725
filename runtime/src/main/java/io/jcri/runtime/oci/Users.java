package io.jcri.runtime.oci;

import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.SupplementalGroupsPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves the container's user from the CRI security context and the image USER, against the
 * rootfs's passwd/group.
 */
final class Users {
  /** The resolved identity plus the home directory the process's HOME defaults to. */
  record Identity(ResolvedUser user, String home) {}

  private record PasswdEntry(String name, long uid, long gid, String home) {}

  private record GroupEntry(String name, long gid, List<String> members) {}

  private final List<PasswdEntry> passwd;
  private final List<GroupEntry> groups;

  private Users(List<PasswdEntry> passwd, List<GroupEntry> groups) {
    this.passwd = passwd;
    this.groups = groups;
  }

  /** run_as_group comes with run_as_user or run_as_username: the request checks refuse it alone. */
  static Identity resolve(LinuxContainerSecurityContext sc, String imageUser, Path rootfs)
      throws OciSpecException {
    Users db;
    try {
      db =
          new Users(
              readPasswd(RootfsPaths.resolve(rootfs, "/etc/passwd")),
              readGroups(RootfsPaths.resolve(rootfs, "/etc/group")));
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INTERNAL,
          "reading the image's /etc/passwd or /etc/group: " + e.getMessage(),
          e);
    }
    return db.identity(sc, imageUser == null ? "" : imageUser.trim());
  }

  private Identity identity(LinuxContainerSecurityContext sc, String imageUser)
      throws OciSpecException {
    long uid;
    Long gid = null;
    if (sc.hasRunAsUser()) {
      uid = sc.getRunAsUser().getValue();
    } else if (!sc.getRunAsUsername().isEmpty()) {
      PasswdEntry e =
          byName(sc.getRunAsUsername())
              .orElseThrow(
                  () ->
                      OciSpecException.invalid(
                          "run_as_username \""
                              + sc.getRunAsUsername()
                              + "\" is not in the image's /etc/passwd"));
      uid = e.uid();
      gid = e.gid();
    } else {
      int colon = imageUser.indexOf(':');
      String userPart = colon < 0 ? imageUser : imageUser.substring(0, colon);
      String groupPart = colon < 0 ? "" : imageUser.substring(colon + 1);
      if (userPart.isEmpty()) {
        uid = 0;
      } else if (isNumber(userPart)) {
        uid = Long.parseLong(userPart);
      } else {
        PasswdEntry e =
            byName(userPart)
                .orElseThrow(
                    () ->
                        OciSpecException.invalid(
                            "image USER \"" + userPart + "\" is not in the image's /etc/passwd"));
        uid = e.uid();
        gid = e.gid();
      }
      if (!groupPart.isEmpty()) {
        gid =
            isNumber(groupPart)
                ? Long.valueOf(groupPart)
                : groupByName(groupPart)
                    .orElseThrow(
                        () ->
                            OciSpecException.invalid(
                                "image USER group \""
                                    + groupPart
                                    + "\" is not in the image's /etc/group"))
                    .gid();
      }
    }
    Optional<PasswdEntry> entry = byUid(uid);
    if (gid == null) {
      gid = entry.map(PasswdEntry::gid).orElse(0L);
    }
    if (sc.hasRunAsGroup()) {
      gid = sc.getRunAsGroup().getValue();
    }
    // A user without a passwd entry still has a name if it came from run_as_username; memberships
    // need a name.
    String name =
        entry
            .map(PasswdEntry::name)
            .orElse(sc.getRunAsUsername().isEmpty() ? null : sc.getRunAsUsername());
    Set<Long> supplemental = new LinkedHashSet<>();
    supplemental.add(gid);
    if (name != null && sc.getSupplementalGroupsPolicy() != SupplementalGroupsPolicy.Strict) {
      for (GroupEntry g : groups) {
        if (g.members().contains(name)) {
          supplemental.add(g.gid());
        }
      }
    }
    supplemental.addAll(sc.getSupplementalGroupsList());
    String home = entry.map(PasswdEntry::home).filter(h -> !h.isEmpty()).orElse("/");
    return new Identity(new ResolvedUser(uid, gid, new ArrayList<>(supplemental)), home);
  }

  private Optional<PasswdEntry> byName(String name) {
    return passwd.stream().filter(p -> p.name().equals(name)).findFirst();
  }

  private Optional<PasswdEntry> byUid(long uid) {
    return passwd.stream().filter(p -> p.uid() == uid).findFirst();
  }

  private Optional<GroupEntry> groupByName(String name) {
    return groups.stream().filter(g -> g.name().equals(name)).findFirst();
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.length() <= 10 && s.chars().allMatch(Character::isDigit);
  }

  /** name:password:uid:gid:gecos:home:shell; malformed lines are skipped as libc does. */
  private static List<PasswdEntry> readPasswd(Path file) throws IOException {
    List<PasswdEntry> entries = new ArrayList<>();
    for (String[] f : fields(file)) {
      if (f.length >= 4 && isNumber(f[2]) && isNumber(f[3])) {
        entries.add(
            new PasswdEntry(
                f[0], Long.parseLong(f[2]), Long.parseLong(f[3]), f.length >= 6 ? f[5] : ""));
      }
    }
    return entries;
  }

  /** name:password:gid:member,member */
  private static List<GroupEntry> readGroups(Path file) throws IOException {
    List<GroupEntry> entries = new ArrayList<>();
    for (String[] f : fields(file)) {
      if (f.length >= 3 && isNumber(f[2])) {
        List<String> members =
            f.length >= 4 && !f[3].isEmpty() ? List.of(f[3].split(",")) : List.of();
        entries.add(
            new GroupEntry(
                f[0], Long.parseLong(f[2]), members.stream().map(String::trim).toList()));
      }
    }
    return entries;
  }

  private static List<String[]> fields(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      return List.of();
    }
    try {
      return Files.readAllLines(file).stream()
          .map(String::strip)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .map(l -> l.split(":", -1))
          .toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }
}
