package io.jcri.runtime.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Writes the spec records as the JSON runc reads: components in order, null ones left out. */
final class SpecJson {
  private static final ObjectMapper MAPPER =
      new ObjectMapper().setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private SpecJson() {}

  /** config.json, indented for whoever reads the bundle. */
  static byte[] pretty(Object spec) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the spec records always serialise", e);
    }
  }

  static byte[] compact(Object spec) {
    try {
      return MAPPER.writeValueAsBytes(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the spec records always serialise", e);
    }
  }
}
