package io.jcri.cni;

/**
 * Hears of every CNI plugin exec (the daemon's metrics); called on the calling thread, must be
 * quick.
 */
public interface PluginListener {
  PluginListener NONE = (plugin, command, nanos, ok) -> {};

  void executed(String plugin, String command, long nanos, boolean ok);
}
