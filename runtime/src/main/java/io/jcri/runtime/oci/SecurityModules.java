package io.jcri.runtime.oci;

import io.jcri.cri.v1.LinuxContainerSecurityContext;
import io.jcri.cri.v1.SELinuxOption;
import io.jcri.cri.v1.SecurityProfile;
import java.util.logging.Logger;

/**
 * The AppArmor profile and SELinux label of a process; they apply only where the kernel has them,
 * elsewhere the request is logged and dropped.
 */
final class SecurityModules {
  private static final Logger LOG = Logger.getLogger(SecurityModules.class.getName());

  /**
   * @param apparmorProfile null for none; {@code selinuxLabel} likewise
   */
  record Labels(String apparmorProfile, String selinuxLabel) {}

  private SecurityModules() {}

  @SuppressWarnings(
      "deprecation") // the deprecated profile strings are still what older kubelets and crictl send
  static Labels labels(
      LinuxContainerSecurityContext sc, boolean privileged, OciOptions options, String who)
      throws OciSpecException {
    if (privileged) {
      return new Labels(null, null);
    }
    String apparmorProfile = null;
    SecurityProfile apparmor =
        sc.hasApparmor() ? sc.getApparmor() : legacyApparmor(sc.getApparmorProfile());
    if (apparmor != null && apparmor.getProfileType() != SecurityProfile.ProfileType.Unconfined) {
      if (!options.apparmorAvailable()) {
        LOG.info(
            "event=apparmor_ignored container="
                + who
                + " profile="
                + apparmor.getProfileType()
                + " reason=kernel_without_apparmor");
      } else if (apparmor.getProfileType() == SecurityProfile.ProfileType.Localhost) {
        if (apparmor.getLocalhostRef().isEmpty()) {
          throw OciSpecException.invalid("AppArmor profile type Localhost needs a localhost_ref");
        }
        apparmorProfile = apparmor.getLocalhostRef();
      } else {
        LOG.info(
            "event=apparmor_default_unavailable container="
                + who
                + " reason=jcri_loads_no_default_profile");
      }
    }
    String selinuxLabel = null;
    SELinuxOption se = sc.getSelinuxOptions();
    if (sc.hasSelinuxOptions()
        && !(se.getUser() + se.getRole() + se.getType() + se.getLevel()).isEmpty()) {
      if (!options.selinuxAvailable()) {
        LOG.info("event=selinux_ignored container=" + who + " reason=kernel_without_selinux");
      } else {
        selinuxLabel =
            ProcessSpecs.firstNonEmpty(se.getUser(), "system_u")
                + ":"
                + ProcessSpecs.firstNonEmpty(se.getRole(), "system_r")
                + ":"
                + ProcessSpecs.firstNonEmpty(se.getType(), "container_t")
                + ":"
                + ProcessSpecs.firstNonEmpty(se.getLevel(), "s0");
      }
    }
    return new Labels(apparmorProfile, selinuxLabel);
  }

  private static SecurityProfile legacyApparmor(String profile) throws OciSpecException {
    if (profile.isEmpty() || profile.equals("unconfined")) {
      return null;
    }
    if (profile.equals("runtime/default")) {
      return SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.RuntimeDefault)
          .build();
    }
    if (profile.startsWith("localhost/")) {
      return SecurityProfile.newBuilder()
          .setProfileType(SecurityProfile.ProfileType.Localhost)
          .setLocalhostRef(profile.substring("localhost/".length()))
          .build();
    }
    throw OciSpecException.invalid("unknown AppArmor profile \"" + profile + "\"");
  }
}
