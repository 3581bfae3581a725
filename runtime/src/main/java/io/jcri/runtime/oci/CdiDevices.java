package io.jcri.runtime.oci;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jcri.cri.v1.CDIDevice;
import io.jcri.cri.v1.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * CDI devices (ContainerConfig.CDI_devices): fully-qualified names {@code vendor.com/class=name} looked up
 * in the CDI spec files of the configured directories and turned into what they add to the OCI spec. The
 * spec-level containerEdits of a spec apply once, before the edits of its devices. Spec files are read as
 * JSON (*.json) only; YAML files are named in the error when a device is not found.
 */
final class CdiDevices {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final Pattern NAME = Pattern.compile(
      "([A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]?/[A-Za-z0-9][A-Za-z0-9_.-]*)=([A-Za-z0-9][A-Za-z0-9_.:-]*)");
  /** The OCI hook lists a CDI hook may name. */
  private static final Set<String> HOOKS = Set.of("prestart", "createRuntime", "createContainer", "startContainer",
      "poststart", "poststop");

  record Spec(String kind, List<SpecDevice> devices, Edits containerEdits) {}

  record SpecDevice(String name, Edits containerEdits) {}

  /** The edits of a spec or device; intelRdt, additionalGids and netDevices are refused, not dropped. */
  record Edits(List<String> env, List<DeviceNode> deviceNodes, List<MountEdit> mounts, List<Hook> hooks,
      JsonNode intelRdt, List<Long> additionalGids, JsonNode netDevices) {}

  record DeviceNode(String path, String hostPath, String type, Long major, Long minor, Integer fileMode,
      String permissions, Integer uid, Integer gid) {}

  record MountEdit(String hostPath, String containerPath, String type, List<String> options) {}

  record Hook(String hookName, String path, List<String> args, List<String> env, Integer timeout) {}

  /** What the requested devices add: env entries, device nodes, mounts, and hooks by OCI hook name. */
  record Injection(List<String> env, List<Devices.Node> nodes, List<RuntimeSpec.Mount> mounts,
      Map<String, List<Hook>> hooks) {
    static final Injection NONE = new Injection(List.of(), List.of(), List.of(), Map.of());

    /** The spec's "hooks", or null when no device asks for any. */
    RuntimeSpec.Hooks specHooks() {
      if (hooks.isEmpty()) {
        return null;
      }
      return new RuntimeSpec.Hooks(spec("prestart"), spec("createRuntime"), spec("createContainer"),
          spec("startContainer"), spec("poststart"), spec("poststop"));
    }

    private List<RuntimeSpec.Hook> spec(String name) {
      List<Hook> list = hooks.get(name);
      return list == null ? null : list.stream().map(h -> new RuntimeSpec.Hook(h.path(),
          ContainerSpecs.orEmpty(h.args()), ContainerSpecs.orEmpty(h.env()), h.timeout())).toList();
    }
  }

  private record Found(Path file, Spec spec, SpecDevice device) {}

  private CdiDevices() {}

  static Injection resolve(List<CDIDevice> requested, List<Path> specDirs) throws OciSpecException {
    if (requested.isEmpty()) {
      return Injection.NONE;
    }
    List<String> unread = new ArrayList<>();
    Map<String, Found> known = load(specDirs, unread);
    List<String> env = new ArrayList<>();
    List<Devices.Node> nodes = new ArrayList<>();
    List<RuntimeSpec.Mount> mounts = new ArrayList<>();
    Map<String, List<Hook>> hooks = new LinkedHashMap<>();
    Set<Path> specsApplied = new LinkedHashSet<>();
    for (int i = 0; i < requested.size(); i++) {
      String field = "CDI_devices[" + i + "]";
      String name = requested.get(i).getName();
      if (!NAME.matcher(name).matches()) {
        throw OciSpecException.invalid(field + " \"" + name + "\" is not a fully-qualified CDI name (vendor.com/class=name)");
      }
      Found found = known.get(name);
      if (found == null) {
        throw OciSpecException.invalid(field + " \"" + name + "\" is defined by no CDI spec in " + specDirs
            + (unread.isEmpty() ? "" : " (not read: " + String.join("; ", unread) + ")"));
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

  /** Every device of every JSON spec, by fully-qualified name; a later directory wins over an earlier one. */
  private static Map<String, Found> load(List<Path> specDirs, List<String> unread) throws OciSpecException {
    Map<String, Found> known = new LinkedHashMap<>();
    for (Path dir : specDirs) {
      List<Path> files;
      try (Stream<Path> list = Files.list(dir)) {
        files = list.sorted().toList();
      } catch (NoSuchFileException e) {
        continue;
      } catch (IOException e) {
        throw new OciSpecException(OciSpecException.Reason.INTERNAL, "listing CDI specs in " + dir + ": " + e, e);
      }
      for (Path file : files) {
        String fileName = file.getFileName().toString();
        if (fileName.endsWith(".yaml") || fileName.endsWith(".yml")) {
          unread.add(file + ": YAML CDI specs are not supported");
        } else if (fileName.endsWith(".json")) {
          try {
            Spec spec = JSON.readValue(file.toFile(), Spec.class);
            for (SpecDevice d : spec.devices() == null ? List.<SpecDevice>of() : spec.devices()) {
              known.put(spec.kind() + "=" + d.name(), new Found(file, spec, d));
            }
          } catch (JacksonException e) {
            unread.add(file + ": " + e.getOriginalMessage());
          } catch (IOException e) {
            unread.add(file + ": " + e.getMessage());
          }
        }
      }
    }
    return known;
  }

  private static void apply(String who, Edits e, List<String> env, List<Devices.Node> nodes,
      List<RuntimeSpec.Mount> mounts, Map<String, List<Hook>> hooks) throws OciSpecException {
    if (present(e.intelRdt()) || present(e.netDevices()) || !ContainerSpecs.orEmpty(e.additionalGids()).isEmpty()) {
      throw OciSpecException.invalid(who + " needs intelRdt, additionalGids or netDevices edits, which jcri does not apply");
    }
    env.addAll(ContainerSpecs.orEmpty(e.env()));
    for (DeviceNode d : ContainerSpecs.orEmpty(e.deviceNodes())) {
      nodes.addAll(deviceNodes(who, d));
    }
    for (MountEdit m : ContainerSpecs.orEmpty(e.mounts())) {
      if (m.hostPath() == null || m.containerPath() == null || !m.containerPath().startsWith("/")) {
        throw OciSpecException.invalid(who + ": a mount needs a hostPath and an absolute containerPath");
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
        throw OciSpecException.invalid(who + ": hook \"" + h.hookName() + "\" needs one of " + HOOKS
            + " as hookName and an absolute path");
      }
      hooks.computeIfAbsent(h.hookName(), k -> new ArrayList<>()).add(h);
    }
  }

  /** Whether an edit holds anything: not missing, not null, not an empty object or list. */
  private static boolean present(JsonNode edit) {
    return edit != null && !edit.isNull() && !edit.isEmpty();
  }

  /** A node the spec describes fully, or one stat-ed from its host path (the path itself when none is given). */
  private static List<Devices.Node> deviceNodes(String who, DeviceNode d) throws OciSpecException {
    if (d.path() == null || !d.path().startsWith("/")) {
      throw OciSpecException.invalid(who + ": a device node needs an absolute path");
    }
    String access = d.permissions() == null || d.permissions().isEmpty() ? "rwm" : d.permissions();
    if (!access.matches("[rwm]{1,3}")) {
      throw OciSpecException.invalid(who + ": device node " + d.path() + ": permissions must be made of r, w, m, not \""
          + d.permissions() + "\"");
    }
    if (d.hostPath() != null && !d.hostPath().startsWith("/")) {
      throw OciSpecException.invalid(who + ": device node " + d.path() + ": hostPath must be absolute: \""
          + d.hostPath() + "\"");
    }
    if (d.type() != null && d.major() != null && d.minor() != null) {
      return List.of(new Devices.Node(d.path(), d.type(), d.major(), d.minor(), d.fileMode() == null ? 0666 : d.fileMode(),
          d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid(), access));
    }
    List<Devices.Node> found = new ArrayList<>();
    for (Devices.Node n : Devices.fromCri(Device.newBuilder().setHostPath(d.hostPath() == null ? d.path() : d.hostPath())
        .setContainerPath(d.path()).setPermissions(access).build())) {
      found.add(new Devices.Node(n.path(), n.type(), n.major(), n.minor(), d.fileMode() == null ? n.fileMode() : d.fileMode(),
          d.uid() == null ? n.uid() : d.uid(), d.gid() == null ? n.gid() : d.gid(), n.access()));
    }
    return found;
  }
}
