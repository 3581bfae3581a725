package io.jcri.runtime.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.jcri.runtime.config.JcriConfig;
import java.nio.file.Path;
import java.time.Duration;

/** The effective configuration as JSON, for `Status(verbose)` and `crictl info`. */
final class ConfigReport {
  private final String json;

  ConfigReport(JcriConfig config) {
    ObjectMapper mapper =
        new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .registerModule(
                new SimpleModule()
                    .addSerializer(Path.class, ToStringSerializer.instance)
                    .addSerializer(Duration.class, ToStringSerializer.instance));
    try {
      json = mapper.writerWithDefaultPrettyPrinter().writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("configuration is not serialisable", e);
    }
  }

  String json() {
    return json;
  }
}
