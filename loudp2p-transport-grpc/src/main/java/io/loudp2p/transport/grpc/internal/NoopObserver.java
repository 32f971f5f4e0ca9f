package io.loudp2p.transport.grpc.internal;

import io.grpc.stub.StreamObserver;

/** Takes whatever comes and does nothing: for a call whose answers nobody reads. */
final class NoopObserver<T> implements StreamObserver<T> {
  @Override
  public void onNext(T value) {}

  @Override
  public void onError(Throwable t) {}

  @Override
  public void onCompleted() {}
}
