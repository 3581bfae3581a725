package io.jcri.runtime.streaming;

/** A terminal resize a client asked for, in character cells. */
public record TerminalSize(int cols, int rows) {}
