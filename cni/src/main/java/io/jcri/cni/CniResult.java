package io.jcri.cni;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A plugin result in one shape, whichever spec version printed it: 0.1.0/0.2.0 ({@code ip4}, {@code
 * ip6}), 0.3.x/0.4.0 ({@code ips[]} with {@code version}) and 1.x ({@code ips[]} without).
 */
record CniResult(
    String cniVersion,
    List<PodNetworkResult.Interface> interfaces,
    List<IpConfig> ips,
    List<Route> routes,
    Dns dns) {

  /**
   * An address in CIDR form; interfaceIndex points into interfaces, or is null when the plugin did
   * not say.
   */
  record IpConfig(String address, String gateway, Integer interfaceIndex) {
    String ip() {
      int slash = address.indexOf('/');
      return slash < 0 ? address : address.substring(0, slash);
    }

    boolean ipv6() {
      return address.contains(":");
    }
  }

  record Route(String dst, String gw) {}

  record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {}

  static CniResult parse(JsonNode json, String configVersion) throws IOException {
    if (json == null || !json.isObject()) {
      throw new IOException("CNI result is not a JSON object");
    }
    String version = json.path("cniVersion").asText(configVersion);
    List<IpConfig> ips = new ArrayList<>();
    List<Route> routes = new ArrayList<>();
    List<PodNetworkResult.Interface> interfaces = new ArrayList<>();
    if (NetworkConfig.compareVersions(version, "0.3.0") < 0) {
      for (String family : List.of("ip4", "ip6")) {
        JsonNode ip = json.path(family);
        if (ip.isObject()) {
          ips.add(new IpConfig(required(ip, "ip"), text(ip, "gateway"), null));
          ip.path("routes")
              .forEach(r -> routes.add(new Route(r.path("dst").asText(), text(r, "gw"))));
        }
      }
    } else {
      for (JsonNode i : json.path("interfaces")) {
        interfaces.add(
            new PodNetworkResult.Interface(
                i.path("name").asText(), i.path("mac").asText(""), i.path("sandbox").asText("")));
      }
      for (JsonNode ip : json.path("ips")) {
        Integer index = ip.hasNonNull("interface") ? ip.get("interface").asInt() : null;
        IpConfig config = new IpConfig(required(ip, "address"), text(ip, "gateway"), index);
        String family = text(ip, "version"); // 0.3.x/0.4.0 only; 1.x derives it from the address
        if (family != null && !family.equals(config.ipv6() ? "6" : "4")) {
          throw new IOException("CNI result: address " + config.address() + " is not IPv" + family);
        }
        ips.add(config);
      }
      json.path("routes")
          .forEach(r -> routes.add(new Route(r.path("dst").asText(), text(r, "gw"))));
    }
    JsonNode dns = json.path("dns");
    return new CniResult(
        version,
        List.copyOf(interfaces),
        List.copyOf(ips),
        List.copyOf(routes),
        new Dns(
            strings(dns.path("nameservers")),
            dns.path("domain").asText(""),
            strings(dns.path("search")),
            strings(dns.path("options"))));
  }

  /**
   * The pod's addresses: those on an interface inside the sandbox, or on no named interface; IPv4
   * before IPv6 so the primary IP is IPv4 on dual-stack pods, as kubelet expects.
   */
  List<String> podIps() {
    Set<String> v4 = new LinkedHashSet<>();
    Set<String> v6 = new LinkedHashSet<>();
    for (IpConfig ip : ips) {
      Integer i = ip.interfaceIndex();
      boolean inPod =
          i == null || i < 0 || i >= interfaces.size() || !interfaces.get(i).sandbox().isEmpty();
      if (inPod) {
        (ip.ipv6() ? v6 : v4).add(ip.ip());
      }
    }
    List<String> all = new ArrayList<>(v4);
    all.addAll(v6);
    return all;
  }

  private static String required(JsonNode node, String field) throws IOException {
    String value = text(node, field);
    if (value == null || value.isEmpty()) {
      throw new IOException("CNI result: an IP entry has no " + field);
    }
    return value;
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return List.copyOf(out);
  }
}
