package io.jcri.runtime.server;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.RuntimeServiceGrpc;
import io.jcri.cri.v1.VersionRequest;
import io.jcri.cri.v1.VersionResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The CRI services bound while jcrid is still starting: Version answers at once (it needs nothing
 * of the node); every other RPC waits until {@link #open} hands over the real services (the CNI
 * config and image store open, crash recovery done), then runs on them. If start-up fails, the
 * waiting RPCs answer UNAVAILABLE; an RPC whose client gives up while it waits just ends.
 */
public final class StartupGate {
  private final CompletableFuture<Map<String, ServerMethodDefinition<?, ?>>> opened =
      new CompletableFuture<>();
  private final ServerMethodDefinition<?, ?> version =
      new RuntimeServiceGrpc.RuntimeServiceImplBase() {
        @Override
        public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
          DaemonRpcs.version(request, out);
        }
      }.bindService().getMethod(RuntimeServiceGrpc.getVersionMethod().getFullMethodName());

  /** The RuntimeService and ImageService to bind before the real ones exist. */
  public List<ServerServiceDefinition> services() {
    return List.of(
        gated(RuntimeServiceGrpc.getServiceDescriptor()),
        gated(ImageServiceGrpc.getServiceDescriptor()));
  }

  /** From now on every RPC runs on services, the waiting ones first. */
  public void open(List<BindableService> services) {
    opened.complete(methods(services));
  }

  /** True once the real services run every RPC. */
  public boolean isOpen() {
    return opened.isDone() && !opened.isCompletedExceptionally();
  }

  /** Start-up failed: the waiting RPCs, and later ones, answer UNAVAILABLE. */
  public void fail(Throwable cause) {
    opened.completeExceptionally(cause);
  }

  private ServerServiceDefinition gated(ServiceDescriptor service) {
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service);
    service.getMethods().forEach(method -> add(definition, method));
    return definition.build();
  }

  private <Q, A> void add(ServerServiceDefinition.Builder definition, MethodDescriptor<Q, A> m) {
    definition.addMethod(m, (call, headers) -> start(m, call, headers));
  }

  private <Q, A> ServerCall.Listener<Q> start(
      MethodDescriptor<Q, A> method, ServerCall<Q, A> call, Metadata headers) {
    String name = method.getFullMethodName();
    if (!opened.isDone() && name.equals(version.getMethodDescriptor().getFullMethodName())) {
      ServerCallHandler<Q, A> early = handler(version);
      return early.startCall(call, headers);
    }
    Map<String, ServerMethodDefinition<?, ?>> services;
    try {
      services = awaitOpened();
    } catch (ExecutionException e) {
      call.close(
          Status.UNAVAILABLE.withDescription("jcrid failed to start: " + e.getCause().getMessage()),
          new Metadata());
      return new ServerCall.Listener<>() {};
    } catch (InterruptedException e) { // the endpoint is shutting down
      Thread.currentThread().interrupt();
      call.close(Status.UNAVAILABLE.withDescription("jcrid is stopping"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    if (services == null) { // cancelled or past its deadline while it waited: gRPC has ended it
      return new ServerCall.Listener<>() {};
    }
    ServerCallHandler<Q, A> real = handler(services.get(name));
    return real.startCall(call, headers);
  }

  /** The real services, or null when the calling RPC is cancelled first. */
  private Map<String, ServerMethodDefinition<?, ?>> awaitOpened()
      throws ExecutionException, InterruptedException {
    if (opened.isDone()) { // every RPC after start-up: nothing to wait for, no listener to add
      return opened.get();
    }
    Context context = Context.current();
    CompletableFuture<Object> cancelled = new CompletableFuture<>();
    Context.CancellationListener listener = c -> cancelled.complete(null);
    context.addListener(listener, Runnable::run);
    try {
      CompletableFuture.anyOf(opened, cancelled).get();
    } catch (ExecutionException e) {
      // start-up failed: opened.get() below throws it
    } finally {
      context.removeListener(listener);
    }
    return context.isCancelled() ? null : opened.get();
  }

  /** The handler of definition, whose method is the caller's (same full name). */
  @SuppressWarnings("unchecked")
  private static <Q, A> ServerCallHandler<Q, A> handler(ServerMethodDefinition<?, ?> definition) {
    return (ServerCallHandler<Q, A>) definition.getServerCallHandler();
  }

  private static Map<String, ServerMethodDefinition<?, ?>> methods(List<BindableService> services) {
    Map<String, ServerMethodDefinition<?, ?>> methods = new HashMap<>();
    for (BindableService service : services) {
      service
          .bindService()
          .getMethods()
          .forEach(m -> methods.put(m.getMethodDescriptor().getFullMethodName(), m));
    }
    return methods;
  }
}
