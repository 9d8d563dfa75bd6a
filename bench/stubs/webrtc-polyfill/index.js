// WebTorrent imports WebRTC classes through simple-peer; the benchmarks run TCP only, so none exist.
export const RTCPeerConnection = undefined;
export const RTCSessionDescription = undefined;
export const RTCIceCandidate = undefined;
export default {};
