package io.jcri.runtime.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.sys.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one handler's OCI runtime can do on this kernel, as the CRI's RuntimeHandlerFeatures reports
 * it. userNamespaces: the kernel passed {@link UserNamespaceProbe} and the runtime joins a user
 * namespace by path (jcrid makes the namespace and the ID-mapped mounts itself).
 */
public record HandlerFeatures(boolean recursiveReadOnlyMounts, boolean userNamespaces) {
  private static final Logger LOG = Logger.getLogger(HandlerFeatures.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern KERNEL = Pattern.compile("(\\d+)\\.(\\d+).*");
  private static final Pattern RUNC_VERSION =
      Pattern.compile("runc version (\\d+)\\.(\\d+).*", Pattern.DOTALL);

  static final HandlerFeatures NONE = new HandlerFeatures(false, false);

  /**
   * rro needs mount_setattr (kernel >= 5.12) and a runtime that knows the option: "rro" among the
   * mount options of `runtime features`, or, for a runc without that subcommand, runc >= 1.1. User
   * namespaces need "user" among the namespaces of `runtime features`, or runc.
   *
   * @param kernelUserns whether the kernel and jcri's filesystems passed {@link UserNamespaceProbe}
   */
  static HandlerFeatures probe(Path binary, boolean kernelUserns) {
    String release;
    try {
      release = Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
    } catch (IOException e) {
      LOG.warning("event=kernel_release_unreadable error=\"" + e.getMessage() + "\"");
      return NONE;
    }
    if (!kernelAtLeast(release, 5, 12)) {
      return NONE;
    }
    try {
      Command.Result features = Command.run(List.of(binary.toString(), "features"), PROBE_TIMEOUT);
      if (features.ok()) {
        return new HandlerFeatures(
            rroInFeatures(features.out()), kernelUserns && usernsInFeatures(features.out()));
      }
      Command.Result version = Command.run(List.of(binary.toString(), "--version"), PROBE_TIMEOUT);
      boolean runc = version.ok() && rroByRuncVersion(version.out());
      return new HandlerFeatures(runc, kernelUserns && runc);
    } catch (IOException e) {
      LOG.warning(
          "event=runtime_features_failed runtime=" + binary + " error=\"" + e.getMessage() + "\"");
      return NONE;
    }
  }

  static boolean kernelAtLeast(String release, int major, int minor) {
    Matcher m = KERNEL.matcher(release);
    if (!m.matches()) {
      return false;
    }
    int maj = Integer.parseInt(m.group(1));
    return maj > major || (maj == major && Integer.parseInt(m.group(2)) >= minor);
  }

  /** The OCI runtime features document (runtime-spec features.md): mountOptions lists "rro". */
  static boolean rroInFeatures(String json) {
    try {
      for (JsonNode option : JSON.readTree(json).path("mountOptions")) {
        if (option.asText().equals("rro")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  /** The OCI runtime features document: linux.namespaces lists "user". */
  static boolean usernsInFeatures(String json) {
    try {
      for (JsonNode ns : JSON.readTree(json).path("linux").path("namespaces")) {
        if (ns.asText().equals("user")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  static boolean rroByRuncVersion(String versionOutput) {
    Matcher m = RUNC_VERSION.matcher(versionOutput.strip());
    if (!m.matches()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    return major > 1 || (major == 1 && Integer.parseInt(m.group(2)) >= 1);
  }
}
