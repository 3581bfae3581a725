package io.jcri.runtime.oci;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the CDI spec files (*.json, *.yaml, *.yml) of the configured directories and indexes their
 * devices by fully-qualified name, with the CDI rules: a spec whose cdiVersion, kind or device
 * names are invalid is skipped (one log line naming the file); a later directory has a higher
 * priority, so its definition of a device replaces an earlier directory's; two files of one
 * directory defining the same device conflict, and that device is unusable until one of them goes.
 */
final class CdiSpecs {
  private static final Logger LOG = Logger.getLogger(CdiSpecs.class.getName());
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
  private static final ObjectMapper YAML =
      YAMLMapper.builder()
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .build();

  /** The CDI spec versions released so far (a leading "v" is allowed). */
  private static final Set<String> VERSIONS =
      Set.of(
          "0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0");

  /**
   * A vendor or a class: a letter first, a letter or digit last, letters, digits, '_', '-', '.'
   * between.
   */
  private static final String VENDOR_OR_CLASS = "[A-Za-z](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?";

  private static final Pattern KIND = Pattern.compile(VENDOR_OR_CLASS + "/" + VENDOR_OR_CLASS);

  /**
   * A device name: a letter or digit first and last, letters, digits, '_', '-', '.', ':' between.
   */
  private static final Pattern DEVICE =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9_.:-]*[A-Za-z0-9])?");

  /**
   * Where a device is defined: the spec file, its directory's priority (its index), the spec and
   * the device.
   */
  record Found(Path file, int priority, CdiDevices.Spec spec, CdiDevices.SpecDevice device) {}

  /**
   * What the directories define: each usable device by fully-qualified name, the names two files of
   * one directory define (with those files), and the spec files skipped with why.
   */
  record Index(
      Map<String, Found> devices, Map<String, List<Path>> conflicts, List<String> skipped) {}

  private CdiSpecs() {}

  /** Whether a requested name is fully qualified, {@code vendor.com/class=name}. */
  static boolean qualified(String name) {
    int eq = name.indexOf('=');
    return eq > 0
        && KIND.matcher(name.substring(0, eq)).matches()
        && DEVICE.matcher(name.substring(eq + 1)).matches();
  }

  static Index load(List<Path> specDirs) throws OciSpecException {
    Map<String, Found> devices = new LinkedHashMap<>();
    Map<String, List<Path>> conflicts = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    for (int priority = 0; priority < specDirs.size(); priority++) {
      for (Path file : specFiles(specDirs.get(priority))) {
        CdiDevices.Spec spec;
        try {
          spec = read(file);
        } catch (InvalidSpec e) {
          LOG.warning("event=cdi_spec_skipped file=" + file + " reason=\"" + e.getMessage() + "\"");
          skipped.add(file + ": " + e.getMessage());
          continue;
        }
        for (CdiDevices.SpecDevice d : spec.devices()) {
          String name = spec.kind() + "=" + d.name();
          Found old = devices.get(name);
          if (old == null || old.priority() < priority) {
            devices.put(name, new Found(file, priority, spec, d));
            conflicts.remove(name);
          } else {
            conflicts.computeIfAbsent(name, k -> new ArrayList<>(List.of(old.file()))).add(file);
          }
        }
      }
    }
    conflicts.keySet().forEach(devices::remove);
    return new Index(devices, conflicts, skipped);
  }

  /**
   * The spec files of a directory by name (a missing directory has none); subdirectories are not
   * searched.
   */
  private static List<Path> specFiles(Path dir) throws OciSpecException {
    try (Stream<Path> list = Files.list(dir)) {
      return list.filter(
              f ->
                  f.getFileName().toString().matches(".*\\.(json|yaml|yml)")
                      && Files.isRegularFile(f))
          .sorted()
          .toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new OciSpecException(
          OciSpecException.Reason.INTERNAL, "listing CDI specs in " + dir + ": " + e, e);
    }
  }

  private static CdiDevices.Spec read(Path file) throws InvalidSpec {
    CdiDevices.Spec spec;
    try {
      spec =
          (file.getFileName().toString().endsWith(".json") ? JSON : YAML)
              .readValue(file.toFile(), CdiDevices.Spec.class);
    } catch (JacksonException e) {
      throw new InvalidSpec(e.getOriginalMessage().replace('"', '\''));
    } catch (IOException e) {
      throw new InvalidSpec(String.valueOf(e.getMessage()));
    }
    if (spec == null) {
      throw new InvalidSpec("empty file");
    }
    String version = spec.cdiVersion() == null ? "" : spec.cdiVersion().replaceFirst("^v", "");
    if (!VERSIONS.contains(version)) {
      throw new InvalidSpec(
          "cdiVersion '"
              + spec.cdiVersion()
              + "' is none of the CDI versions "
              + VERSIONS.stream().sorted().toList());
    }
    if (spec.kind() == null || !KIND.matcher(spec.kind()).matches()) {
      throw new InvalidSpec("kind '" + spec.kind() + "' is not vendor.com/class");
    }
    if (spec.devices() == null || spec.devices().isEmpty()) {
      throw new InvalidSpec("it defines no devices");
    }
    Set<String> names = new HashSet<>();
    for (CdiDevices.SpecDevice d : spec.devices()) {
      if (d == null || d.name() == null || !DEVICE.matcher(d.name()).matches()) {
        throw new InvalidSpec(
            "device name '"
                + (d == null ? null : d.name())
                + "' is invalid (letters, digits, "
                + "'_', '-', '.', ':', starting and ending with a letter or digit)");
      }
      if (!names.add(d.name())) {
        throw new InvalidSpec("device '" + d.name() + "' is defined twice");
      }
    }
    return spec;
  }

  /** Why a spec file is skipped. */
  private static final class InvalidSpec extends Exception {
    InvalidSpec(String message) {
      super(message, null, false, false);
    }
  }
}
