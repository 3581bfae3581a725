package io.jcri.runtime.reload;

import io.jcri.runtime.config.JcriConfig;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One config key (or group of keys) as a reload sees it: how to read its value, and how to apply a
 * new value to the running daemon; {@code apply} is null for keys that need a restart.
 */
public record Setting(String key, Function<JcriConfig, Object> value, Consumer<JcriConfig> apply) {
  public static Setting live(
      String key, Function<JcriConfig, Object> value, Consumer<JcriConfig> apply) {
    return new Setting(key, value, apply);
  }

  public static Setting restart(String key, Function<JcriConfig, Object> value) {
    return new Setting(key, value, null);
  }

  public boolean isLive() {
    return apply != null;
  }
}
