package io.jcri.runtime.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jcri.cri.v1.Signal;
import org.junit.jupiter.api.Test;

class SignalsTest {
  @Test
  void imageStopSignalsInEverySpelling() {
    assertEquals(15, Signals.number(""));
    assertEquals(15, Signals.number(null));
    assertEquals(2, Signals.number("SIGINT"));
    assertEquals(2, Signals.number("int"));
    assertEquals(10, Signals.number("10"));
    assertEquals(35, Signals.number("SIGRTMIN+1"));
    assertEquals(63, Signals.number("SIGRTMAX-1"));
    assertEquals(15, Signals.number("SIGNOPE"));
    assertEquals(15, Signals.number("0"));
    assertEquals(15, Signals.number("65"));
    assertEquals(15, Signals.number("99999999999"));
    assertEquals(15, Signals.number("SIGRTMIN+x"));
  }

  @Test
  void everyCriSignalHasItsLinuxNumber() {
    assertEquals(6, Signals.number(Signal.SIGABRT.name()));
    assertEquals(6, Signals.number(Signal.SIGIOT.name()));
    assertEquals(29, Signals.number(Signal.SIGPOLL.name()));
    assertEquals(34, Signals.number(Signal.SIGRTMIN.name()));
    assertEquals(40, Signals.number(Signal.SIGRTMINPLUS6.name()));
    assertEquals(63, Signals.number(Signal.SIGRTMAXMINUS1.name()));
    assertEquals(64, Signals.number(Signal.SIGRTMAX.name()));
    for (Signal s : Signal.values()) {
      if (s != Signal.RUNTIME_DEFAULT && s != Signal.UNRECOGNIZED && s != Signal.SIGTERM) {
        int n = Signals.number(s.name());
        assertEquals(n, Signals.number(Signals.cri(n).name()), s.name());
        assertEquals(false, n == 15, s.name() + " must not fall back to SIGTERM");
      }
    }
  }

  @Test
  void numbersMapBackToTheCanonicalCriName() {
    assertEquals(Signal.SIGTERM, Signals.cri(15));
    assertEquals(Signal.SIGABRT, Signals.cri(6));
    assertEquals(Signal.SIGCHLD, Signals.cri(17));
    assertEquals(Signal.SIGIO, Signals.cri(29));
    assertEquals(Signal.SIGRTMINPLUS1, Signals.cri(35));
    assertEquals(Signal.SIGRTMAX, Signals.cri(64));
  }
}
