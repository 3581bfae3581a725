package io.jcri.runtime.server;

import io.grpc.stub.StreamObserver;
import io.jcri.cri.v1.AuthConfig;
import io.jcri.cri.v1.FilesystemIdentifier;
import io.jcri.cri.v1.FilesystemUsage;
import io.jcri.cri.v1.ImageFilter;
import io.jcri.cri.v1.ImageFsInfoRequest;
import io.jcri.cri.v1.ImageFsInfoResponse;
import io.jcri.cri.v1.ImageServiceGrpc;
import io.jcri.cri.v1.ImageSpec;
import io.jcri.cri.v1.ImageStatusRequest;
import io.jcri.cri.v1.ImageStatusResponse;
import io.jcri.cri.v1.Int64Value;
import io.jcri.cri.v1.ListImagesRequest;
import io.jcri.cri.v1.ListImagesResponse;
import io.jcri.cri.v1.PullImageRequest;
import io.jcri.cri.v1.PullImageResponse;
import io.jcri.cri.v1.RemoveImageRequest;
import io.jcri.cri.v1.RemoveImageResponse;
import io.jcri.cri.v1.StreamImagesRequest;
import io.jcri.cri.v1.StreamImagesResponse;
import io.jcri.cri.v1.UInt64Value;
import io.jcri.images.Credentials;
import io.jcri.images.FsUsage;
import io.jcri.images.Image;
import io.jcri.images.ImageStore;
import io.jcri.runtime.store.Layout;
import io.jcri.sys.NamedStep;
import java.util.List;

/**
 * The CRI ImageService: each RPC validates, calls the {@link ImageStore}, maps the result; an
 * {@link io.jcri.images.ImageException} is a Failure whose kind GrpcErrors turns into the status.
 */
public final class ImageServer extends ImageServiceGrpc.ImageServiceImplBase {
  private static final int STREAM_CHUNK = 100;

  private final ImageStore store;
  private final Layout layout;

  public ImageServer(ImageStore store, Layout layout) {
    this.layout = layout;
    this.store = store;
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> observer) {
    Rpc.answer(
        "PullImage",
        observer,
        () -> {
          ImageChecks.reference("image.image", request.getImage().getImage());
          try (var steps =
              NamedStep.breakdown("PullImage").subject("image", request.getImage().getImage())) {
            Image image = store.pull(request.getImage().getImage(), credentials(request.getAuth()));
            return PullImageResponse.newBuilder().setImageRef(image.id()).build();
          }
        });
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> observer) {
    Rpc.answer(
        "ListImages",
        observer,
        () -> ListImagesResponse.newBuilder().addAllImages(matching(request.getFilter())).build());
  }

  @Override
  public void streamImages(
      StreamImagesRequest request, StreamObserver<StreamImagesResponse> observer) {
    List<io.jcri.cri.v1.Image> all;
    try {
      all = matching(request.getFilter());
    } catch (RuntimeException e) {
      observer.onError(GrpcErrors.toStatus("StreamImages", e));
      return;
    }
    for (int i = 0; i < all.size(); i += STREAM_CHUNK) {
      observer.onNext(
          StreamImagesResponse.newBuilder()
              .addAllImages(all.subList(i, Math.min(all.size(), i + STREAM_CHUNK)))
              .build());
    }
    observer.onCompleted();
  }

  @Override
  public void imageStatus(
      ImageStatusRequest request, StreamObserver<ImageStatusResponse> observer) {
    Rpc.answer(
        "ImageStatus",
        observer,
        () -> {
          ImageStatusResponse.Builder response = ImageStatusResponse.newBuilder();
          // an unknown image is an empty answer, not an error: kubelet asks before it pulls
          ImageChecks.reference("image.image", request.getImage().getImage());
          store
              .find(request.getImage().getImage())
              .ifPresent(image -> response.setImage(toCri(image)));
          if (request.getVerbose() && response.hasImage()) {
            response.putInfo(
                "info", store.inspect(store.find(response.getImage().getId()).orElseThrow()));
          }
          if (request.getVerbose()) {
            PullProgressJson.of(store.pullsInFlight(), request.getImage().getImage())
                .ifPresent(pull -> response.putInfo("pull", pull));
          }
          return response.build();
        });
  }

  @Override
  public void removeImage(
      RemoveImageRequest request, StreamObserver<RemoveImageResponse> observer) {
    Rpc.answer(
        "RemoveImage",
        observer,
        () -> {
          ImageChecks.reference("image.image", request.getImage().getImage());
          store.remove(request.getImage().getImage());
          return RemoveImageResponse.getDefaultInstance();
        });
  }

  @Override
  public void imageFsInfo(
      ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> observer) {
    Rpc.answer(
        "ImageFsInfo",
        observer,
        () ->
            ImageFsInfoResponse.newBuilder()
                .addImageFilesystems(toCri(store.imageFsUsage()))
                .addContainerFilesystems(toCri(FsUsage.of(layout.containerLayers())))
                .build());
  }

  private List<io.jcri.cri.v1.Image> matching(ImageFilter filter) {
    String wanted = filter.getImage().getImage();
    if (!wanted.isEmpty()) {
      ImageChecks.reference("filter.image.image", wanted);
    }
    List<Image> images =
        wanted.isEmpty() ? store.list() : store.find(wanted).map(List::of).orElse(List.of());
    return images.stream().map(ImageServer::toCri).toList();
  }

  private static Credentials credentials(AuthConfig auth) {
    return new Credentials(
        auth.getUsername(),
        auth.getPassword(),
        auth.getAuth(),
        auth.getIdentityToken(),
        auth.getRegistryToken());
  }

  private static io.jcri.cri.v1.Image toCri(Image image) {
    io.jcri.cri.v1.Image.Builder b =
        io.jcri.cri.v1.Image.newBuilder()
            .setId(image.id())
            .addAllRepoTags(image.repoTags())
            .addAllRepoDigests(image.repoDigests())
            .setSize(image.size())
            .setPinned(image.pinned())
            .setSpec(ImageSpec.newBuilder().setImage(image.id()));
    String user = image.config().user().split(":", 2)[0];
    if (user.matches("[0-9]+")) {
      b.setUid(Int64Value.newBuilder().setValue(Long.parseLong(user)));
    } else if (!user.isEmpty()) {
      b.setUsername(user);
    }
    return b.build();
  }

  private static FilesystemUsage toCri(FsUsage usage) {
    return FilesystemUsage.newBuilder()
        .setTimestamp(usage.timestampNanos())
        .setFsId(FilesystemIdentifier.newBuilder().setMountpoint(usage.mountpoint().toString()))
        .setUsedBytes(UInt64Value.newBuilder().setValue(usage.usedBytes()))
        .setInodesUsed(UInt64Value.newBuilder().setValue(usage.inodesUsed()))
        .build();
  }
}
