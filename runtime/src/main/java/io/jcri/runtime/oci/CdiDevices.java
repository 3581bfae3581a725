package io.jcri.runtime.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.cri.v1.CDIDevice;
import io.jcri.cri.v1.Device;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CDI devices (ContainerConfig.CDI_devices): fully-qualified names {@code vendor.com/class=name}
 * looked up in the CDI spec files of the configured directories ({@link CdiSpecs}) and turned into
 * what they add to the OCI spec. The spec-level containerEdits of a spec apply once, before the
 * edits of its devices. Where the edits of two requested devices set the same thing, the later
 * device wins, as the CDI reference runtime does: an env variable by name, a device node by path, a
 * mount by container path (ContainerSpecs merges them so).
 */
final class CdiDevices {
  /** The OCI hook lists a CDI hook may name. */
  private static final Set<String> HOOKS =
      Set.of(
          "prestart",
          "createRuntime",
          "createContainer",
          "startContainer",
          "poststart",
          "poststop");

  record Spec(String cdiVersion, String kind, List<SpecDevice> devices, Edits containerEdits) {}

  record SpecDevice(String name, Edits containerEdits) {}

  /**
   * The edits of a spec or device; intelRdt, additionalGids and netDevices are refused, not
   * dropped.
   */
  record Edits(
      List<String> env,
      List<DeviceNode> deviceNodes,
      List<MountEdit> mounts,
      List<Hook> hooks,
      JsonNode intelRdt,
      List<Long> additionalGids,
      JsonNode netDevices) {}

  record DeviceNode(
      String path,
      String hostPath,
      String type,
      Long major,
      Long minor,
      Integer fileMode,
      String permissions,
      Integer uid,
      Integer gid) {}

  record MountEdit(String hostPath, String containerPath, String type, List<String> options) {}

  record Hook(String hookName, String path, List<String> args, List<String> env, Integer timeout) {}

  /**
   * What the requested devices add: env entries, device nodes, mounts, and hooks by OCI hook name.
   */
  record Injection(
      List<String> env,
      List<Devices.Node> nodes,
      List<RuntimeSpec.Mount> mounts,
      Map<String, List<Hook>> hooks) {
    static final Injection NONE = new Injection(List.of(), List.of(), List.of(), Map.of());

    /** The spec's "hooks", or null when no device asks for any. */
    RuntimeSpec.Hooks specHooks() {
      if (hooks.isEmpty()) {
        return null;
      }
      return new RuntimeSpec.Hooks(
          spec("prestart"),
          spec("createRuntime"),
          spec("createContainer"),
          spec("startContainer"),
          spec("poststart"),
          spec("poststop"));
    }

    private List<RuntimeSpec.Hook> spec(String name) {
      List<Hook> list = hooks.get(name);
      return list == null
          ? null
          : list.stream()
              .map(
                  h ->
                      new RuntimeSpec.Hook(
                          h.path(),
                          ContainerSpecs.orEmpty(h.args()),
                          ContainerSpecs.orEmpty(h.env()),
                          h.timeout()))
              .toList();
    }
  }

  private CdiDevices() {}

  static Injection resolve(List<CDIDevice> requested, List<Path> specDirs) throws OciSpecException {
    if (requested.isEmpty()) {
      return Injection.NONE;
    }
    CdiSpecs.Index index = CdiSpecs.load(specDirs);
    List<String> env = new ArrayList<>();
    List<Devices.Node> nodes = new ArrayList<>();
    List<RuntimeSpec.Mount> mounts = new ArrayList<>();
    Map<String, List<Hook>> hooks = new LinkedHashMap<>();
    Set<Path> specsApplied = new LinkedHashSet<>();
    for (int i = 0; i < requested.size(); i++) {
      String field = "CDI_devices[" + i + "]";
      String name = requested.get(i).getName();
      if (!CdiSpecs.qualified(name)) {
        throw OciSpecException.invalid(
            field + " \"" + name + "\" is not a fully-qualified CDI name (vendor.com/class=name)");
      }
      List<Path> conflicting = index.conflicts().get(name);
      if (conflicting != null) {
        throw new OciSpecException(
            OciSpecException.Reason.FAILED_PRECONDITION,
            field
                + " \""
                + name
                + "\" is defined by several CDI specs of one directory, "
                + conflicting
                + "; the node must keep only one");
      }
      CdiSpecs.Found found = index.devices().get(name);
      if (found == null) {
        throw OciSpecException.invalid(
            field
                + " \""
                + name
                + "\" is defined by no CDI spec in "
                + specDirs
                + (index.skipped().isEmpty()
                    ? ""
                    : " (skipped: " + String.join("; ", index.skipped()) + ")"));
      }
      List<Edits> edits = new ArrayList<>();
      if (specsApplied.add(found.file()) && found.spec().containerEdits() != null) {
        edits.add(found.spec().containerEdits());
      }
      if (found.device().containerEdits() != null) {
        edits.add(found.device().containerEdits());
      }
      for (Edits e : edits) {
        apply(field + " \"" + name + "\" (" + found.file() + ")", e, env, nodes, mounts, hooks);
      }
    }
    return new Injection(env, nodes, mounts, hooks);
  }

  private static void apply(
      String who,
      Edits e,
      List<String> env,
      List<Devices.Node> nodes,
      List<RuntimeSpec.Mount> mounts,
      Map<String, List<Hook>> hooks)
      throws OciSpecException {
    if (present(e.intelRdt())
        || present(e.netDevices())
        || !ContainerSpecs.orEmpty(e.additionalGids()).isEmpty()) {
      throw OciSpecException.invalid(
          who + " needs intelRdt, additionalGids or netDevices edits, which jcri does not apply");
    }
    env.addAll(ContainerSpecs.orEmpty(e.env()));
    for (DeviceNode d : ContainerSpecs.orEmpty(e.deviceNodes())) {
      nodes.addAll(deviceNodes(who, d));
    }
    for (MountEdit m : ContainerSpecs.orEmpty(e.mounts())) {
      if (m.hostPath() == null || m.containerPath() == null || !m.containerPath().startsWith("/")) {
        throw OciSpecException.invalid(
            who + ": a mount needs a hostPath and an absolute containerPath");
      }
      String type = m.type() == null || m.type().isEmpty() ? "bind" : m.type();
      List<String> options = new ArrayList<>(ContainerSpecs.orEmpty(m.options()));
      if (type.equals("bind") && !options.contains("bind") && !options.contains("rbind")) {
        options.add(0, "rbind");
      }
      mounts.add(new RuntimeSpec.Mount(m.containerPath(), type, m.hostPath(), options));
    }
    for (Hook h : ContainerSpecs.orEmpty(e.hooks())) {
      if (!HOOKS.contains(h.hookName()) || h.path() == null || !h.path().startsWith("/")) {
        throw OciSpecException.invalid(
            who
                + ": hook \""
                + h.hookName()
                + "\" needs one of "
                + HOOKS
                + " as hookName and an absolute path");
      }
      hooks.computeIfAbsent(h.hookName(), k -> new ArrayList<>()).add(h);
    }
  }

  /** Whether an edit holds anything: not missing, not null, not an empty object or list. */
  private static boolean present(JsonNode edit) {
    return edit != null && !edit.isNull() && !edit.isEmpty();
  }

  /**
   * A node the spec describes fully, or one stat-ed from its host path (the path itself when none
   * is given), whose type must then be the one the spec names, if any.
   */
  private static List<Devices.Node> deviceNodes(String who, DeviceNode d) throws OciSpecException {
    if (d.path() == null || !d.path().startsWith("/")) {
      throw OciSpecException.invalid(who + ": a device node needs an absolute path");
    }
    String access = d.permissions() == null || d.permissions().isEmpty() ? "rwm" : d.permissions();
    if (!access.matches("[rwm]{1,3}")) {
      throw OciSpecException.invalid(
          who
              + ": device node "
              + d.path()
              + ": permissions must be made of r, w, m, not \""
              + d.permissions()
              + "\"");
    }
    if (d.hostPath() != null && !d.hostPath().startsWith("/")) {
      throw OciSpecException.invalid(
          who
              + ": device node "
              + d.path()
              + ": hostPath must be absolute: \""
              + d.hostPath()
              + "\"");
    }
    if (d.type() != null && d.major() != null && d.minor() != null) {
      return List.of(
          new Devices.Node(
              d.path(),
              d.type(),
              d.major(),
              d.minor(),
              d.fileMode() == null ? 0666 : d.fileMode(),
              d.uid() == null ? 0 : d.uid(),
              d.gid() == null ? 0 : d.gid(),
              access));
    }
    List<Devices.Node> found = new ArrayList<>();
    String host = d.hostPath() == null ? d.path() : d.hostPath();
    for (Devices.Node n :
        Devices.fromCri(
            Device.newBuilder()
                .setHostPath(host)
                .setContainerPath(d.path())
                .setPermissions(access)
                .build())) {
      if (d.type() != null && !d.type().isEmpty() && !d.type().equals(n.type())) {
        throw OciSpecException.invalid(
            who
                + ": device node "
                + d.path()
                + " is of type \""
                + d.type()
                + "\" in the spec but "
                + host
                + " on the node is \""
                + n.type()
                + "\"");
      }
      found.add(
          new Devices.Node(
              n.path(),
              n.type(),
              n.major(),
              n.minor(),
              d.fileMode() == null ? n.fileMode() : d.fileMode(),
              d.uid() == null ? n.uid() : d.uid(),
              d.gid() == null ? n.gid() : d.gid(),
              n.access()));
    }
    return found;
  }
}
