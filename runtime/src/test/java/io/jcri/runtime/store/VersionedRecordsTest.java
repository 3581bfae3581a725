package io.jcri.runtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jcri.runtime.container.ContainerRecord;
import io.jcri.runtime.fakes.TestNode;
import io.jcri.runtime.sandbox.SandboxRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records are written as {version, metadata, status}; the flat records of the first release still
 * load.
 */
class VersionedRecordsTest {
  @TempDir Path dir;

  @Test
  void firstReleaseRecordsLoadAndAreWrittenBackVersioned() throws Exception {
    TestNode.installRecords(
        dir, "container-created.json", "container-running.json", "container-exited.json");
    RecordStore<ContainerRecord> store = new RecordStore<>(dir, ContainerRecord.class);
    List<ContainerRecord> loaded =
        store.loadAll().stream().sorted(Comparator.comparing(ContainerRecord::id)).toList();
    assertEquals(
        List.of(
            ContainerRecord.State.CREATED,
            ContainerRecord.State.RUNNING,
            ContainerRecord.State.EXITED),
        loaded.stream().map(ContainerRecord::state).toList());
    assertEquals("GIAE", loaded.get(1).status().resourcesBase64());
    assertEquals(null, loaded.get(0).status().resourcesBase64());

    ContainerRecord running = loaded.get(1);
    store.save(running.id(), running);
    JsonNode json = RecordStore.JSON.readTree(dir.resolve(running.id() + ".json").toFile());
    assertEquals(
        List.of("version", "metadata", "status"), List.copyOf(iterable(json.fieldNames())));
    assertEquals(ContainerRecord.VERSION, json.get("version").asInt());
    assertEquals("RUNNING", json.at("/status/state").asText());
    assertEquals(
        running,
        store.loadAll().stream().filter(r -> r.id().equals(running.id())).findFirst().orElseThrow(),
        "a versioned record reads back equal");
  }

  @Test
  void sandboxReadinessBecomesAState() throws Exception {
    TestNode.installRecords(dir, "sandbox-ready.json", "sandbox-infra.json");
    RecordStore<SandboxRecord> store = new RecordStore<>(dir, SandboxRecord.class);
    List<SandboxRecord> loaded =
        store.loadAll().stream().sorted(Comparator.comparing(SandboxRecord::id)).toList();
    assertEquals(
        List.of(SandboxRecord.State.READY, SandboxRecord.State.NOTREADY),
        loaded.stream().map(r -> r.status().state()).toList());
    SandboxRecord ready = loaded.get(0);
    store.save(ready.id(), ready);
    JsonNode json = RecordStore.JSON.readTree(dir.resolve(ready.id() + ".json").toFile());
    assertEquals(
        List.of("version", "metadata", "status"), List.copyOf(iterable(json.fieldNames())));
    assertTrue(json.at("/status/ready").isMissingNode());
    assertEquals(
        ready,
        store.loadAll().stream().filter(r -> r.id().equals(ready.id())).findFirst().orElseThrow());
  }

  /**
   * usernsPath came after schema version 1: records of the first release and of version 1 without
   * it load.
   */
  @Test
  void sandboxRecordsWrittenBeforeUserNamespacesHaveNone() throws Exception {
    TestNode.installRecords(dir, "sandbox-ready.json");
    RecordStore<SandboxRecord> store = new RecordStore<>(dir, SandboxRecord.class);
    SandboxRecord old = store.loadAll().get(0);
    assertEquals("", old.metadata().usernsPath());
    store.save(old.id(), old);
    var json =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            RecordStore.JSON.readTree(dir.resolve(old.id() + ".json").toFile());
    assertTrue(json.at("/metadata/usernsPath").isTextual(), "written in the metadata part");
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("metadata")).remove("usernsPath");
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("metadata"))
        .put("netnsPath", "/run/x/ns/net");
    Files.writeString(dir.resolve(old.id() + ".json"), json.toString());
    SandboxRecord v1 = store.loadAll().get(0);
    assertEquals("", v1.metadata().usernsPath());
    assertEquals("/run/x/ns/net", v1.metadata().netnsPath());
  }

  @Test
  void aRecordOfANewerSchemaIsNotGuessedAt() throws Exception {
    Files.writeString(
        dir.resolve("x.json"), "{\"version\":99,\"metadata\":{\"id\":\"x\"},\"status\":{}}");
    assertEquals(
        List.of(), new RecordStore<>(dir, ContainerRecord.class).loadAll(), "skipped and logged");
  }

  private static <T> List<T> iterable(java.util.Iterator<T> it) {
    List<T> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
