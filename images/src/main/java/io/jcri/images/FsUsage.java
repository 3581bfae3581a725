package io.jcri.images;

import java.nio.file.Path;

/** Bytes and inodes used under a directory (not the whole filesystem), for ImageFsInfo. */
public record FsUsage(Path mountpoint, long usedBytes, long inodesUsed, long timestampNanos) {}
