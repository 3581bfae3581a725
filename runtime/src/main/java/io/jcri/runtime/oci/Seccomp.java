package io.jcri.runtime.oci;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.SecurityProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * Chooses and builds linux.seccomp. Profiles (the built-in default and Localhost files) are read in
 * the widely used format with archMap and per-rule includes/excludes of capabilities and
 * architectures, and written as the OCI form runc reads; a profile already in OCI form passes
 * through the same way.
 */
final class Seccomp {
  private static final Logger LOG = Logger.getLogger(Seccomp.class.getName());

  /** Reads profiles; fields runc would ignore are ignored here too. */
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final JsonNode DEFAULT_PROFILE = parseDefault();
  private static final boolean ARM64 = System.getProperty("os.arch").equals("aarch64");

  /** The architecture as profiles name it in includes/excludes, and as libseccomp does. */
  private static final String NATIVE_ARCH = ARM64 ? "arm64" : "amd64";

  private static final String NATIVE_SCMP_ARCH = ARM64 ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64";

  private Seccomp() {}

  /**
   * linux.seccomp for a process, or null for none. The profile comes from the structured field when
   * set, else from the deprecated path string ("runtime/default", "unconfined",
   * "localhost/&lt;file&gt;").
   */
  static SpecLinux.Seccomp forProcess(
      SecurityProfile profile,
      String legacyPath,
      boolean privileged,
      List<String> capabilities,
      OciOptions options,
      String who)
      throws OciSpecException {
    if (privileged) {
      return null;
    }
    SecurityProfile p = profile != null ? profile : fromLegacyPath(legacyPath);
    if (p == null || p.getProfileType() == SecurityProfile.ProfileType.Unconfined) {
      return null;
    }
    if (!options.seccompAvailable()) {
      LOG.info(
          "event=seccomp_ignored container="
              + who
              + " profile="
              + p.getProfileType()
              + " reason=kernel_without_seccomp");
      return null;
    }
    if (p.getProfileType() == SecurityProfile.ProfileType.RuntimeDefault) {
      return toOci(DEFAULT_PROFILE, capabilities, "the runtime default profile");
    }
    return toOci(
        readLocalhost(p.getLocalhostRef(), options.seccompProfileRoot()),
        capabilities,
        p.getLocalhostRef());
  }

  private static SecurityProfile fromLegacyPath(String path) throws OciSpecException {
    if (path == null || path.isEmpty() || path.equals("unconfined")) {
      return null;
    }
    if (path.equals("runtime/default") || path.equals("docker/default")) {
      return SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)
          .build();
    }
    if (path.startsWith("localhost/")) {
      return SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.Localhost)
          .setLocalhostRef(path.substring("localhost/".length()))
          .build();
    }
    throw OciSpecException.invalid("unknown seccomp profile \"" + path + "\"");
  }

  private static JsonNode readLocalhost(String ref, Path profileRoot) throws OciSpecException {
    if (ref.isEmpty()) {
      throw OciSpecException.invalid("seccomp profile type Localhost needs a localhost_ref");
    }
    Path file = ref.startsWith("/") ? Path.of(ref) : profileRoot.resolve(ref);
    try {
      return JSON.readTree(Files.readAllBytes(file));
    } catch (NoSuchFileException e) {
      throw new OciSpecException(
          OciSpecException.Reason.NOT_FOUND, "seccomp profile " + file + " does not exist");
    } catch (JacksonException e) {
      throw OciSpecException.invalid(
          "seccomp profile " + file + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.FAILED_PRECONDITION,
          "seccomp profile " + file + " cannot be read: " + e.getMessage());
    }
  }

  static SpecLinux.Seccomp toOci(JsonNode profile, List<String> capabilities, String source)
      throws OciSpecException {
    JsonNode defaultAction = profile.get("defaultAction");
    if (defaultAction == null || !defaultAction.isTextual()) {
      throw OciSpecException.invalid("seccomp profile " + source + " has no defaultAction");
    }
    List<String> arches = new ArrayList<>();
    if (profile.has("architectures")) {
      profile.get("architectures").forEach(a -> arches.add(a.asText()));
    } else {
      for (JsonNode m : profile.path("archMap")) {
        if (m.path("architecture").asText().equals(NATIVE_SCMP_ARCH)) {
          arches.add(NATIVE_SCMP_ARCH);
          m.path("subArchitectures").forEach(a -> arches.add(a.asText()));
        }
      }
    }
    List<SpecLinux.Syscall> syscalls = new ArrayList<>();
    for (JsonNode rule : profile.path("syscalls")) {
      if (!applies(rule, capabilities)) {
        continue;
      }
      List<String> names = new ArrayList<>();
      if (rule.has("names")) {
        rule.get("names").forEach(n -> names.add(n.asText()));
      } else if (rule.has("name")) {
        names.add(rule.get("name").asText());
      }
      if (names.isEmpty() || !rule.path("action").isTextual()) {
        throw OciSpecException.invalid(
            "seccomp profile " + source + " has a rule without names or action: " + rule);
      }
      syscalls.add(
          new SpecLinux.Syscall(
              names,
              rule.get("action").asText(),
              optional(rule, "errnoRet", Integer.class, source),
              optionalList(rule, "args", SpecLinux.SyscallArg.class, source)));
    }
    return new SpecLinux.Seccomp(
        defaultAction.asText(),
        optional(profile, "defaultErrnoRet", Integer.class, source),
        optionalList(profile, "flags", String.class, source),
        optional(profile, "listenerPath", String.class, source),
        optional(profile, "listenerMetadata", String.class, source),
        arches,
        syscalls);
  }

  /** A field of the profile as its OCI type, or null when the profile leaves it out. */
  private static <T> T optional(JsonNode from, String field, Class<T> type, String source)
      throws OciSpecException {
    JsonNode v = from.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    try {
      return JSON.treeToValue(v, type);
    } catch (JacksonException e) {
      throw OciSpecException.invalid(
          "seccomp profile "
              + source
              + ": "
              + field
              + " "
              + v
              + " is not a "
              + type.getSimpleName()
              + ": "
              + e.getOriginalMessage());
    }
  }

  private static <T> List<T> optionalList(JsonNode from, String field, Class<T> type, String source)
      throws OciSpecException {
    JsonNode v = from.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw OciSpecException.invalid(
          "seccomp profile " + source + ": " + field + " " + v + " is not a list");
    }
    List<T> out = new ArrayList<>();
    for (JsonNode item : v) {
      try {
        out.add(JSON.treeToValue(item, type));
      } catch (JacksonException e) {
        throw OciSpecException.invalid(
            "seccomp profile "
                + source
                + ": "
                + field
                + " entry "
                + item
                + " is not a "
                + type.getSimpleName()
                + ": "
                + e.getOriginalMessage());
      }
    }
    return out;
  }

  /**
   * A rule applies when the process has every capability and the architecture it includes, and none
   * it excludes.
   */
  private static boolean applies(JsonNode rule, List<String> capabilities) {
    JsonNode inc = rule.path("includes");
    JsonNode exc = rule.path("excludes");
    for (JsonNode cap : inc.path("caps")) {
      if (!capabilities.contains(cap.asText())) {
        return false;
      }
    }
    if (!inc.path("arches").isEmpty() && !contains(inc.path("arches"), NATIVE_ARCH)) {
      return false;
    }
    for (JsonNode cap : exc.path("caps")) {
      if (capabilities.contains(cap.asText())) {
        return false;
      }
    }
    return !contains(exc.path("arches"), NATIVE_ARCH);
  }

  private static boolean contains(JsonNode array, String value) {
    for (JsonNode v : array) {
      if (v.asText().equals(value)) {
        return true;
      }
    }
    return false;
  }

  private static JsonNode parseDefault() {
    try {
      return JSON.readTree(DefaultSeccompProfile.JSON);
    } catch (JacksonException e) {
      throw new IllegalStateException("built-in seccomp profile is not valid JSON", e);
    }
  }
}
