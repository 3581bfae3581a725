package io.jcri.runtime.storage;

import io.jcri.runtime.oci.OciSpec;
import io.jcri.runtime.oci.PodUserNamespace;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The mounts of a container's root filesystem and of its image volumes, as the lifecycle services
 * see them: {@link #KERNEL} makes them with mount(2) ({@link Rootfs}); tests fake them.
 */
public interface LayerMounts {
  /** Mounts the overlay at mountPoint; layerDir gets upper/ and work/. */
  void mount(List<Path> lowerDirsTopFirst, Path layerDir, Path mountPoint) throws IOException;

  void unmount(Path mountPoint) throws IOException;

  /** Mounts image layers read-only at mountPoint (an image used as a volume). */
  void mountReadOnly(List<Path> lowerDirsTopFirst, Path mountPoint) throws IOException;

  /** Unmounts every mount point directly below dir. */
  void unmountAll(Path dir) throws IOException;

  /**
   * Mounts the overlay at mountPoint over lower layers ID-mapped into the pod's user namespace (a
   * pod of its own user namespace); scratch is a directory it may use while mounting.
   */
  void mountIdMapped(
      List<Path> lowerDirsTopFirst,
      Path layerDir,
      Path mountPoint,
      PodUserNamespace userns,
      Path scratch)
      throws IOException;

  /**
   * Mounts an ID-mapped clone of each bind source of spec below dir; returns the spec binding
   * those.
   */
  OciSpec idMapBinds(OciSpec spec, PodUserNamespace userns, Path dir) throws IOException;

  LayerMounts KERNEL =
      new LayerMounts() {
        @Override
        public void mount(List<Path> lowerDirsTopFirst, Path layerDir, Path mountPoint)
            throws IOException {
          Rootfs.mount(lowerDirsTopFirst, layerDir, mountPoint);
        }

        @Override
        public void unmount(Path mountPoint) throws IOException {
          Rootfs.unmount(mountPoint);
        }

        @Override
        public void mountReadOnly(List<Path> lowerDirsTopFirst, Path mountPoint)
            throws IOException {
          Rootfs.mountReadOnly(lowerDirsTopFirst, mountPoint);
        }

        @Override
        public void unmountAll(Path dir) throws IOException {
          Rootfs.unmountAll(dir);
        }

        @Override
        public void mountIdMapped(
            List<Path> lowerDirsTopFirst,
            Path layerDir,
            Path mountPoint,
            PodUserNamespace userns,
            Path scratch)
            throws IOException {
          IdMappedBinds.mountRootfs(
              lowerDirsTopFirst,
              layerDir,
              mountPoint,
              userns.pin(),
              userns.hostRootUid(),
              userns.hostRootGid(),
              scratch);
        }

        @Override
        public OciSpec idMapBinds(OciSpec spec, PodUserNamespace userns, Path dir)
            throws IOException {
          return IdMappedBinds.binds(spec, userns.pin(), dir);
        }
      };
}
