package io.jcri.runtime.oci;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jcri.cri.v1.SecurityProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Logger;

/**
 * Chooses and builds linux.seccomp. Profiles (the built-in default and Localhost files) are read in the
 * widely used format with archMap and per-rule includes/excludes of capabilities and architectures,
 * and written as the OCI form runc reads; a profile already in OCI form passes through the same way.
 */
final class Seccomp {
  private static final Logger LOG = Logger.getLogger(Seccomp.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode DEFAULT_PROFILE = parseDefault();
  private static final boolean ARM64 = System.getProperty("os.arch").equals("aarch64");
  /** The architecture as profiles name it in includes/excludes, and as libseccomp does. */
  private static final String NATIVE_ARCH = ARM64 ? "arm64" : "amd64";
  private static final String NATIVE_SCMP_ARCH = ARM64 ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64";

  private Seccomp() {}

  /**
   * linux.seccomp for a process, or null for none. The profile comes from the structured field when
   * set, else from the deprecated path string ("runtime/default", "unconfined", "localhost/&lt;file&gt;").
   */
  static ObjectNode forProcess(SecurityProfile profile, String legacyPath, boolean privileged,
      List<String> capabilities, OciOptions options, String who) throws OciSpecException {
    if (privileged) {
      return null;
    }
    SecurityProfile p = profile != null ? profile : fromLegacyPath(legacyPath);
    if (p == null || p.getProfileType() == SecurityProfile.ProfileType.Unconfined) {
      return null;
    }
    if (!options.seccompAvailable()) {
      LOG.info("event=seccomp_ignored container=" + who + " profile=" + p.getProfileType() + " reason=kernel_without_seccomp");
      return null;
    }
    if (p.getProfileType() == SecurityProfile.ProfileType.RuntimeDefault) {
      return toOci(DEFAULT_PROFILE, capabilities, "the runtime default profile");
    }
    return toOci(readLocalhost(p.getLocalhostRef(), options.seccompProfileRoot()), capabilities, p.getLocalhostRef());
  }

  private static SecurityProfile fromLegacyPath(String path) throws OciSpecException {
    if (path == null || path.isEmpty() || path.equals("unconfined")) {
      return null;
    }
    if (path.equals("runtime/default") || path.equals("docker/default")) {
      return SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.RuntimeDefault).build();
    }
    if (path.startsWith("localhost/")) {
      return SecurityProfile.newBuilder().setProfileType(SecurityProfile.ProfileType.Localhost)
          .setLocalhostRef(path.substring("localhost/".length())).build();
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
      throw new OciSpecException(OciSpecException.Reason.NOT_FOUND, "seccomp profile " + file + " does not exist");
    } catch (JacksonException e) {
      throw OciSpecException.invalid("seccomp profile " + file + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new OciSpecException(OciSpecException.Reason.FAILED_PRECONDITION,
          "seccomp profile " + file + " cannot be read: " + e.getMessage());
    }
  }

  static ObjectNode toOci(JsonNode profile, List<String> capabilities, String source) throws OciSpecException {
    JsonNode defaultAction = profile.get("defaultAction");
    if (defaultAction == null || !defaultAction.isTextual()) {
      throw OciSpecException.invalid("seccomp profile " + source + " has no defaultAction");
    }
    ObjectNode out = JSON.createObjectNode();
    out.put("defaultAction", defaultAction.asText());
    copyIfPresent(profile, out, "defaultErrnoRet", "flags", "listenerPath", "listenerMetadata");
    ArrayNode arches = out.putArray("architectures");
    if (profile.has("architectures")) {
      profile.get("architectures").forEach(arches::add);
    } else {
      for (JsonNode m : profile.path("archMap")) {
        if (m.path("architecture").asText().equals(NATIVE_SCMP_ARCH)) {
          arches.add(NATIVE_SCMP_ARCH);
          m.path("subArchitectures").forEach(arches::add);
        }
      }
    }
    ArrayNode syscalls = out.putArray("syscalls");
    for (JsonNode rule : profile.path("syscalls")) {
      if (!applies(rule, capabilities)) {
        continue;
      }
      ObjectNode s = syscalls.addObject();
      ArrayNode names = s.putArray("names");
      if (rule.has("names")) {
        rule.get("names").forEach(names::add);
      } else if (rule.has("name")) {
        names.add(rule.get("name"));
      }
      if (names.isEmpty() || !rule.path("action").isTextual()) {
        throw OciSpecException.invalid("seccomp profile " + source + " has a rule without names or action: " + rule);
      }
      s.put("action", rule.get("action").asText());
      copyIfPresent(rule, s, "errnoRet", "args");
    }
    return out;
  }

  /** A rule applies when the process has every capability and the architecture it includes, and none it excludes. */
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

  private static void copyIfPresent(JsonNode from, ObjectNode to, String... fields) {
    for (String f : fields) {
      if (from.has(f) && !from.get(f).isNull()) {
        to.set(f, from.get(f).deepCopy());
      }
    }
  }

  private static JsonNode parseDefault() {
    try {
      return JSON.readTree(DefaultSeccompProfile.JSON);
    } catch (JacksonException e) {
      throw new IllegalStateException("built-in seccomp profile is not valid JSON", e);
    }
  }
}
