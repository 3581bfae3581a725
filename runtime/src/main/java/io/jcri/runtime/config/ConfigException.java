package io.jcri.runtime.config;

/** A configuration that cannot be used; the message names the file, key and line when known. */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
