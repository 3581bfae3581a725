package io.jcri.runtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.Status;
import io.jcri.images.ImageException;
import io.jcri.runtime.oci.OciSpecException;
import io.jcri.sys.Failure;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each domain failure reaches the client with the status and message it had before the error
 * boundary moved.
 */
class GrpcErrorsTest {
  @Test
  void everyImageReasonKeepsItsCode() {
    Map<ImageException.Reason, Status.Code> expected =
        Map.of(
            ImageException.Reason.INVALID_REFERENCE, Status.Code.INVALID_ARGUMENT,
            ImageException.Reason.NOT_FOUND, Status.Code.NOT_FOUND,
            ImageException.Reason.IN_USE, Status.Code.FAILED_PRECONDITION,
            ImageException.Reason.UNSUPPORTED, Status.Code.FAILED_PRECONDITION,
            ImageException.Reason.BAD_LAYER, Status.Code.FAILED_PRECONDITION,
            ImageException.Reason.UNAUTHORIZED, Status.Code.UNAUTHENTICATED,
            ImageException.Reason.REGISTRY, Status.Code.UNAVAILABLE,
            ImageException.Reason.UNAVAILABLE, Status.Code.UNAVAILABLE,
            ImageException.Reason.DEADLINE, Status.Code.DEADLINE_EXCEEDED,
            ImageException.Reason.STORAGE, Status.Code.INTERNAL);
    assertEquals(ImageException.Reason.values().length, expected.size());
    expected.forEach(
        (reason, code) -> {
          var status =
              GrpcErrors.toStatus("PullImage", new ImageException(reason, "m " + reason))
                  .getStatus();
          assertEquals(code, status.getCode(), reason.name());
          assertEquals("m " + reason, status.getDescription());
        });
  }

  @Test
  void everySpecReasonKeepsItsCode() {
    Map<OciSpecException.Reason, Status.Code> expected =
        Map.of(
            OciSpecException.Reason.INVALID_ARGUMENT, Status.Code.INVALID_ARGUMENT,
            OciSpecException.Reason.NOT_FOUND, Status.Code.NOT_FOUND,
            OciSpecException.Reason.FAILED_PRECONDITION, Status.Code.FAILED_PRECONDITION,
            OciSpecException.Reason.INTERNAL, Status.Code.INTERNAL);
    assertEquals(OciSpecException.Reason.values().length, expected.size());
    expected.forEach(
        (reason, code) ->
            assertEquals(
                code,
                GrpcErrors.toStatus("CreateContainer", new OciSpecException(reason, "m"))
                    .getStatus()
                    .getCode()));
  }

  @Test
  void aFailureKeepsItsMessageAndAnythingElseIsInternalNamingTheRpc() {
    var cni =
        GrpcErrors.toStatus("RunPodSandbox", new Failure(Failure.Kind.UNKNOWN, "CNI ADD failed"))
            .getStatus();
    assertEquals(Status.Code.UNKNOWN, cni.getCode());
    assertEquals("CNI ADD failed", cni.getDescription());
    var bug = GrpcErrors.toStatus("StopPodSandbox", new IllegalStateException("boom")).getStatus();
    assertEquals(Status.Code.INTERNAL, bug.getCode());
    assertEquals("StopPodSandbox: boom", bug.getDescription());
    assertEquals(
        Status.Code.CANCELLED,
        GrpcErrors.toStatus("ExecSync", new InterruptedException("x")).getStatus().getCode());
  }

  @Test
  void everyKindHasACode() {
    for (Failure.Kind kind : Failure.Kind.values()) {
      assertEquals(
          kind == Failure.Kind.INTERNAL,
          GrpcErrors.codeOf(kind) == Status.Code.INTERNAL,
          kind.name());
    }
  }
}
