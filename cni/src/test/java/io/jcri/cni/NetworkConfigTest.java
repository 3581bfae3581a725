package io.jcri.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkConfigTest {
  @TempDir Path dir;

  private static NetworkConfig parse(String fileName, String json) throws IOException {
    return NetworkConfig.parse(Path.of(fileName), json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void conflistKeepsPluginOrderAndFlags() throws IOException {
    NetworkConfig net =
        parse(
            "10-a.conflist",
            """
        {"cniVersion":"1.0.0","name":"podnet","disableCheck":true,
         "plugins":[{"type":"bridge","bridge":"br9"},{"type":"portmap","capabilities":{"portMappings":true}}]}""");
    assertEquals("podnet", net.name());
    assertEquals("1.0.0", net.cniVersion());
    assertTrue(net.disableCheck());
    assertEquals(
        List.of("bridge", "portmap"),
        net.plugins().stream().map(p -> p.path("type").asText()).toList());
  }

  @Test
  void singleConfIsWrappedIntoAList() throws IOException {
    NetworkConfig net =
        parse(
            "10-a.conf",
            """
        {"cniVersion":"0.4.0","name":"single","type":"ptp","ipam":{"type":"host-local"}}""");
    assertEquals("single", net.name());
    assertEquals("0.4.0", net.cniVersion());
    assertEquals(1, net.plugins().size());
    assertEquals("ptp", net.plugins().get(0).path("type").asText());
    assertEquals("host-local", net.plugins().get(0).path("ipam").path("type").asText());
    assertEquals("single", net.list().path("name").asText());
  }

  @Test
  void invalidConfigsAreRejectedWithAReason() {
    IOException noType =
        assertThrows(
            IOException.class,
            () ->
                parse(
                    "a.conflist",
                    "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[{\"bridge\":\"x\"}]}"));
    assertTrue(noType.getMessage().contains("no type"), noType.getMessage());
    IOException badName =
        assertThrows(
            IOException.class,
            () ->
                parse(
                    "a.conflist",
                    "{\"cniVersion\":\"1.0.0\",\"name\":\"../x\",\"plugins\":[{\"type\":\"bridge\"}]}"));
    assertTrue(badName.getMessage().contains("invalid network name"), badName.getMessage());
    IOException noPlugins =
        assertThrows(
            IOException.class,
            () -> parse("a.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":[]}"));
    assertTrue(noPlugins.getMessage().contains("no plugins"), noPlugins.getMessage());
    IOException noVersion =
        assertThrows(
            IOException.class, () -> parse("a.conf", "{\"name\":\"n\",\"type\":\"bridge\"}"));
    assertTrue(noVersion.getMessage().contains("no cniVersion"), noVersion.getMessage());
    IOException notJson = assertThrows(IOException.class, () -> parse("a.conf", "{nope"));
    assertTrue(notJson.getMessage().contains("not valid JSON"), notJson.getMessage());
    IOException pathType =
        assertThrows(
            IOException.class,
            () ->
                parse(
                    "a.conf",
                    "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"../../bin/sh\"}"));
    assertTrue(pathType.getMessage().contains("may not be a path"), pathType.getMessage());
  }

  @Test
  void pluginInputCarriesOnlyDeclaredCapabilitiesAndThePreviousResult() throws IOException {
    NetworkConfig net =
        parse(
            "a.conflist",
            """
        {"cniVersion":"1.0.0","name":"podnet","plugins":[
          {"type":"bridge","ipam":{"type":"host-local","capabilities":{"ipRanges":true}}},
          {"type":"portmap","capabilities":{"portMappings":true,"bandwidth":false}}]}""");
    ObjectNode caps =
        (ObjectNode)
            Json.MAPPER.readTree(
                """
        {"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"bandwidth":{"ingressRate":1000}}""");
    JsonNode bridgeIn = Json.MAPPER.readTree(net.pluginInput(net.plugins().get(0), caps, null));
    assertEquals("podnet", bridgeIn.path("name").asText());
    assertEquals("1.0.0", bridgeIn.path("cniVersion").asText());
    assertFalse(bridgeIn.has("runtimeConfig"), "bridge declares no capability: " + bridgeIn);
    assertFalse(bridgeIn.has("prevResult"));

    JsonNode prev =
        Json.MAPPER.readTree("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.0.2/24\"}]}");
    JsonNode portmapIn = Json.MAPPER.readTree(net.pluginInput(net.plugins().get(1), caps, prev));
    assertEquals(
        8080, portmapIn.path("runtimeConfig").path("portMappings").get(0).path("hostPort").asInt());
    assertFalse(portmapIn.path("runtimeConfig").has("bandwidth"), "declared false: " + portmapIn);
    assertEquals(prev, portmapIn.path("prevResult"));
    assertEquals("podnet", portmapIn.path("name").asText());
  }

  @Test
  void versionsCompareNumerically() {
    assertTrue(NetworkConfig.compareVersions("1.0.0", "0.4.0") > 0);
    assertTrue(NetworkConfig.compareVersions("0.10.0", "0.4.0") > 0);
    assertTrue(NetworkConfig.compareVersions("0.3.1", "0.4.0") < 0);
    assertEquals(0, NetworkConfig.compareVersions("1.1", "1.1.0"));
  }

  @Test
  void confDirUsesFirstValidFileInLexicalOrderAndReloadsOnChange() throws IOException {
    ConfigDir configs = new ConfigDir(dir);
    assertNull(configs.current().defaultNetwork());

    Files.writeString(dir.resolve("05-broken.conflist"), "{not json");
    Files.writeString(
        dir.resolve("20-b.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"b\",\"type\":\"ptp\"}");
    Files.writeString(
        dir.resolve("30-c.conflist"),
        "{\"cniVersion\":\"1.0.0\",\"name\":\"c\",\"plugins\":[{\"type\":\"bridge\"}]}");
    Files.writeString(dir.resolve("README.txt"), "ignored");
    ConfigDir.Snapshot first = configs.current();
    assertEquals("b", first.defaultNetwork().name());
    assertEquals(1, first.problems().size());
    assertTrue(
        first.problems().get(0).startsWith("05-broken.conflist"), first.problems().toString());

    Files.writeString(
        dir.resolve("10-a.json"), "{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"type\":\"ptp\"}");
    assertEquals("a", configs.current().defaultNetwork().name());

    // an edit in place changes no listing, only the file's size and mtime
    Path a = dir.resolve("10-a.json");
    Files.writeString(a, "{\"cniVersion\":\"0.4.0\",\"name\":\"a2\",\"type\":\"ptp\"}");
    Files.setLastModifiedTime(
        a, FileTime.fromMillis(Files.getLastModifiedTime(a).toMillis() + 2000));
    assertEquals("a2", configs.current().defaultNetwork().name());

    Files.delete(a);
    assertEquals("b", configs.current().defaultNetwork().name());
  }
}
