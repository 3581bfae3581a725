package io.jcri.images;

import java.net.URI;
import java.util.List;

/**
 * Settings of one registry host: mirrors tried in order before the host itself (their scheme
 * decides HTTP or HTTPS), and whether the host itself may be reached over HTTP or unverified TLS.
 */
public record RegistryHost(List<URI> mirrors, boolean insecure) {
  public static final RegistryHost DIRECT = new RegistryHost(List.of(), false);

  public RegistryHost {
    mirrors = List.copyOf(mirrors);
  }
}
