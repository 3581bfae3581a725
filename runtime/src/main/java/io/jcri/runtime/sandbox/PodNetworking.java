package io.jcri.runtime.sandbox;

import io.jcri.cni.CniManager;
import io.jcri.cni.PodNetwork;
import io.jcri.cni.PodNetworkResult;
import java.io.IOException;

/**
 * What a pod needs of the network plugins: ADD and DEL. {@link #cni} is the real one; tests fake
 * it.
 */
public interface PodNetworking {
  PodNetworkResult setUp(PodNetwork pod) throws IOException;

  void tearDown(PodNetwork pod) throws IOException;

  /** The CNI plugin chain. */
  static PodNetworking cni(CniManager cni) {
    return new PodNetworking() {
      @Override
      public PodNetworkResult setUp(PodNetwork pod) throws IOException {
        return cni.setUp(pod);
      }

      @Override
      public void tearDown(PodNetwork pod) throws IOException {
        cni.tearDown(pod);
      }
    };
  }
}
