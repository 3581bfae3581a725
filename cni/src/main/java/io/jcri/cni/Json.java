package io.jcri.cni;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The module's one JSON mapper (thread-safe once configured). */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}
}
