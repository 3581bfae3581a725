package io.jcri.runtime.oci;

import io.jcri.cri.v1.ContainerConfig;
import io.jcri.cri.v1.KeyValue;
import io.jcri.cri.v1.LinuxContainerSecurityContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Builds the spec's "process" of a container or an infra process: args, env, user, capabilities,
 * OOM score, LSM labels.
 */
final class ProcessSpecs {
  private static final Logger LOG = Logger.getLogger(ProcessSpecs.class.getName());
  static final String DEFAULT_PATH =
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /**
   * What the infra process's OOM score would be where the kernel lets it go that low: last to be
   * killed.
   */
  private static final int INFRA_OOM_SCORE_ADJ = -998;

  private static final AtomicBoolean OOM_CLAMP_LOGGED = new AtomicBoolean();

  private ProcessSpecs() {}

  /** A container's process; its CDI devices' env entries come last. */
  static SpecProcess container(
      ContainerConfig config,
      ImageDefaults image,
      String hostname,
      Users.Identity identity,
      List<String> caps,
      List<String> cdiEnv,
      OciOptions options,
      String containerId)
      throws OciSpecException {
    LinuxContainerSecurityContext sc = config.getLinux().getSecurityContext();
    List<String> args = processArgs(config, image);
    List<String> ambient = Capabilities.ambient(sc.getCapabilities(), caps);
    SecurityModules.Labels labels =
        SecurityModules.labels(sc, sc.getPrivileged(), options, containerId);
    return new SpecProcess(
        config.getTty(),
        user(identity.user()),
        args,
        env(image.env(), config.getEnvsList(), cdiEnv, hostname, identity.home(), config.getTty()),
        firstNonEmpty(config.getWorkingDir(), image.workingDir(), "/"),
        capabilitySets(caps, ambient),
        null,
        sc.getNoNewPrivs(),
        oomScoreAdj(config.getLinux().getResources().getOomScoreAdj(), options),
        labels.apparmorProfile(),
        labels.selinuxLabel());
  }

  /** The infra (pause) process: no terminal, no new privileges, the last to be OOM-killed. */
  static SpecProcess infra(
      List<String> args, ResolvedUser user, List<String> caps, OciOptions options) {
    return new SpecProcess(
        false,
        user(user),
        List.copyOf(args),
        List.of(DEFAULT_PATH),
        "/",
        capabilitySets(caps, List.of()),
        null,
        true,
        oomScoreAdj(INFRA_OOM_SCORE_ADJ, options),
        null,
        null);
  }

  /**
   * Kubelet's rule: a CRI command replaces the image entrypoint and drops the image cmd; CRI args
   * alone replace only the image cmd.
   */
  static List<String> processArgs(ContainerConfig config, ImageDefaults image)
      throws OciSpecException {
    List<String> args = new ArrayList<>();
    if (config.getCommandCount() > 0) {
      args.addAll(config.getCommandList());
      args.addAll(config.getArgsList());
    } else {
      args.addAll(ContainerSpecs.orEmpty(image.entrypoint()));
      args.addAll(
          config.getArgsCount() > 0 ? config.getArgsList() : ContainerSpecs.orEmpty(image.cmd()));
    }
    if (args.isEmpty()) {
      throw OciSpecException.invalid(
          "container "
              + config.getMetadata().getName()
              + " has no command: neither the container config nor the image sets an entrypoint, cmd, command or args");
    }
    return args;
  }

  /**
   * Image env, then the CRI envs, then the CDI devices' (a later value wins for its key, keeping
   * the first's place).
   */
  private static List<String> env(
      List<String> imageEnv,
      List<KeyValue> criEnvs,
      List<String> cdiEnv,
      String hostname,
      String home,
      boolean tty) {
    Map<String, String> env = new LinkedHashMap<>();
    putEnv(env, DEFAULT_PATH);
    if (hostname != null && !hostname.isEmpty()) {
      env.put("HOSTNAME", "HOSTNAME=" + hostname);
    }
    for (String e : ContainerSpecs.orEmpty(imageEnv)) {
      putEnv(env, e);
    }
    for (KeyValue kv : criEnvs) {
      env.put(kv.getKey(), kv.getKey() + "=" + kv.getValue().toStringUtf8());
    }
    for (String e : cdiEnv) {
      putEnv(env, e);
    }
    if (tty) {
      env.putIfAbsent("TERM", "TERM=xterm");
    }
    env.putIfAbsent("HOME", "HOME=" + home);
    return new ArrayList<>(env.values());
  }

  private static void putEnv(Map<String, String> env, String entry) {
    int eq = entry.indexOf('=');
    env.put(eq < 0 ? entry : entry.substring(0, eq), entry);
  }

  private static SpecProcess.User user(ResolvedUser user) {
    return new SpecProcess.User(user.uid(), user.gid(), user.supplementalGroups());
  }

  /**
   * Inheritable stays empty unless ambient needs it: file capabilities must not widen what exec'd
   * programs get.
   */
  private static SpecProcess.CapabilitySets capabilitySets(
      List<String> caps, List<String> ambient) {
    return new SpecProcess.CapabilitySets(caps, caps, caps, ambient, ambient);
  }

  /**
   * No process may score below jcrid itself: without CAP_SYS_RESOURCE the kernel refuses it and
   * runc create fails.
   */
  private static int oomScoreAdj(long requested, OciOptions options) {
    if (requested >= options.minOomScoreAdj()) {
      return (int) Math.min(requested, 1000);
    }
    if (OOM_CLAMP_LOGGED.compareAndSet(false, true)) {
      LOG.info(
          "event=oom_score_adj_clamped requested="
              + requested
              + " floor="
              + options.minOomScoreAdj()
              + " reason=below_jcrid_own_score logged=once");
    }
    return options.minOomScoreAdj();
  }

  static String firstNonEmpty(String... values) {
    for (String v : values) {
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return "";
  }
}
