package io.jcri.cni;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Where CNI lives on this node.
 *
 * @param confDir network configurations (.conflist, .conf, .json), e.g. /etc/cni/net.d
 * @param binDirs plugin directories, searched in order, e.g. /usr/lib/cni, /opt/cni/bin
 * @param cacheDir jcri's own CNI state (the ADD results DEL needs), e.g. /var/lib/jcri/cni/cache
 * @param pluginTimeout how long one plugin exec may run before it is killed
 * @param writeDefaultNetwork write jcri's bridge conflist into confDir when it holds no config
 */
public record CniOptions(
    Path confDir,
    List<Path> binDirs,
    Path cacheDir,
    Duration pluginTimeout,
    boolean writeDefaultNetwork) {
  public CniOptions {
    binDirs = List.copyOf(binDirs);
    if (pluginTimeout.isNegative() || pluginTimeout.isZero()) {
      throw new IllegalArgumentException("CNI plugin timeout must be positive: " + pluginTimeout);
    }
  }
}
