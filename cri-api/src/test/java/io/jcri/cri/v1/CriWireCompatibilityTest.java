package io.jcri.cri.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.ServiceDescriptorProto;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Compares jcri's compiled CRI descriptor with the upstream cri-api v0.36.3 descriptor (compiled
 * from the reference .proto by protoc; comments are not part of it). Everything that decides the
 * bytes on the wire or the gRPC method path must match.
 */
class CriWireCompatibilityTest {

  @Test
  void everyMessageFieldEnumAndRpcMatchesUpstream() throws IOException {
    FileDescriptorProto upstream = loadUpstream();
    FileDescriptorProto ours = CriProto.getDescriptor().toProto();

    assertEquals(upstream.getPackage(), ours.getPackage(), "proto package");
    assertEquals(upstream.getSyntax(), ours.getSyntax(), "syntax");
    assertEquals(wireFacts(upstream), wireFacts(ours));
  }

  @Test
  void bothServicesDeclareEveryUpstreamRpc() throws IOException {
    FileDescriptorProto upstream = loadUpstream();
    int rpcs =
        upstream.getServiceList().stream().mapToInt(ServiceDescriptorProto::getMethodCount).sum();
    assertEquals(2, CriProto.getDescriptor().getServices().size());
    assertEquals(
        rpcs,
        CriProto.getDescriptor().getServices().stream().mapToInt(s -> s.getMethods().size()).sum());
    assertTrue(rpcs == 41, "upstream declares " + rpcs + " RPCs");
  }

  private static FileDescriptorProto loadUpstream() throws IOException {
    try (InputStream in =
        CriWireCompatibilityTest.class.getResourceAsStream("/upstream-cri-v0.36.3.desc")) {
      return FileDescriptorSet.parseFrom(in).getFile(0);
    }
  }

  /** One sorted line per wire-relevant fact; a diff of two such sets names the mismatch. */
  private static TreeSet<String> wireFacts(FileDescriptorProto file) {
    TreeSet<String> facts = new TreeSet<>();
    for (ServiceDescriptorProto service : file.getServiceList()) {
      facts.add("service " + service.getName());
      service
          .getMethodList()
          .forEach(
              m ->
                  facts.add(
                      "rpc %s.%s(%s%s) returns (%s%s)"
                          .formatted(
                              service.getName(),
                              m.getName(),
                              m.getClientStreaming() ? "stream " : "",
                              m.getInputType(),
                              m.getServerStreaming() ? "stream " : "",
                              m.getOutputType())));
    }
    file.getEnumTypeList().forEach(e -> addEnum(facts, "", e));
    file.getMessageTypeList().forEach(m -> addMessage(facts, "", m));
    return facts;
  }

  private static void addMessage(TreeSet<String> facts, String outer, DescriptorProto message) {
    String name = outer + message.getName();
    facts.add("message " + name);
    List<String> oneofs = new ArrayList<>();
    message.getOneofDeclList().forEach(o -> oneofs.add(o.getName()));
    for (FieldDescriptorProto f : message.getFieldList()) {
      String oneof = f.hasOneofIndex() ? " oneof " + oneofs.get(f.getOneofIndex()) : "";
      facts.add(
          "field %s.%s = %d %s %s %s%s%s"
              .formatted(
                  name,
                  f.getName(),
                  f.getNumber(),
                  f.getLabel(),
                  f.getType(),
                  f.getTypeName(),
                  oneof,
                  f.getProto3Optional() ? " optional" : ""));
    }
    message.getEnumTypeList().forEach(e -> addEnum(facts, name + ".", e));
    message.getNestedTypeList().forEach(n -> addMessage(facts, name + ".", n));
  }

  private static void addEnum(TreeSet<String> facts, String outer, EnumDescriptorProto e) {
    e.getValueList()
        .forEach(
            v ->
                facts.add(
                    "enum %s%s.%s = %d".formatted(outer, e.getName(), v.getName(), v.getNumber())));
  }
}
