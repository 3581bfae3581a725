package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.sys.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Execs one CNI plugin per the spec's calling convention: environment in, config on stdin, result
 * or error on stdout.
 */
final class PluginRunner {
  private final List<Path> binDirs;
  private final String cniPath;
  private final Duration timeout;
  private volatile PluginListener listener = PluginListener.NONE;

  void setListener(PluginListener listener) {
    this.listener = listener;
  }

  PluginRunner(List<Path> binDirs, Duration timeout) {
    this.binDirs = binDirs;
    this.cniPath = binDirs.stream().map(Path::toString).collect(Collectors.joining(":"));
    this.timeout = timeout;
  }

  /** The plugin's executable, or null when no bin dir has it. */
  Path find(String type) {
    for (Path dir : binDirs) {
      Path candidate = dir.resolve(type);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  String binDirsText() {
    return binDirs.toString();
  }

  /**
   * Runs command (ADD, DEL, CHECK, STATUS) on plugin type and returns its stdout.
   *
   * @param env CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS as the command needs them
   */
  byte[] exec(String command, String type, String network, Map<String, String> env, byte[] stdin)
      throws CniException {
    String what = "CNI plugin " + type + " " + command + " (network " + network + ")";
    Path binary = find(type);
    if (binary == null) {
      throw new CniException(what + ": plugin not found in " + binDirsText());
    }
    Map<String, String> fullEnv = new HashMap<>(env);
    fullEnv.put("CNI_COMMAND", command);
    fullEnv.put("CNI_PATH", cniPath);
    Command.Result result;
    long started = System.nanoTime();
    try {
      result = Command.run(List.of(binary.toString()), fullEnv, stdin, timeout);
    } catch (Command.TimeoutException e) {
      listener.executed(type, command, System.nanoTime() - started, false);
      throw new CniException(
          what + ": timed out after " + timeout.toMillis() + " ms and was killed");
    } catch (IOException e) {
      listener.executed(type, command, System.nanoTime() - started, false);
      throw new CniException(what + ": " + e.getMessage(), e);
    }
    listener.executed(type, command, System.nanoTime() - started, result.ok());
    if (!result.ok()) {
      throw new CniException(what + " failed: " + describeError(result));
    }
    return result.stdout();
  }

  /**
   * The CNI error object ({code, msg, details}) when the plugin printed one, its stderr, and the
   * exit code.
   */
  private static String describeError(Command.Result result) {
    StringBuilder text = new StringBuilder();
    String out = result.out().strip();
    JsonNode error = null;
    try {
      error = out.isEmpty() ? null : Json.MAPPER.readTree(out);
    } catch (IOException notJson) {
      // some plugins print plain text; it is shown below as it is
    }
    if (error != null && error.has("code")) {
      text.append("code ")
          .append(error.path("code").asInt())
          .append(": ")
          .append(error.path("msg").asText(""));
      String details = error.path("details").asText("");
      if (!details.isEmpty()) {
        text.append(" (").append(details).append(')');
      }
    } else if (!out.isEmpty()) {
      text.append(truncate(out));
    } else {
      text.append("exit code ").append(result.exitCode());
    }
    String err = result.err();
    if (!err.isEmpty()) {
      text.append("; stderr: ").append(truncate(err));
    }
    return text.toString();
  }

  private static String truncate(String s) {
    String oneLine = s.replace('\n', ' ');
    return oneLine.length() <= 2000 ? oneLine : oneLine.substring(0, 2000) + "…";
  }
}
