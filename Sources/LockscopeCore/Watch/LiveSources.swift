import Foundation

/// Standard input, or any pipe, read as it grows: `read` never blocks, so the watch loop can
/// keep its clock running while the writer is quiet. The end comes when the writer closes.
final class LivePipe: ByteSource {
  override func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputError) -> Int {
    var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    while true {
      let ready = poll(&request, 1, 0)
      if ready < 0 && errno == EINTR { continue }
      // Readable, closed, or in error: a plain read tells which (bytes, 0, or the error).
      if ready != 0 { return try super.read(into: buffer, count: count) }
      return ByteSource.noDataYet
    }
  }
}

/// A file followed like `tail -F`: at its end it waits for more; when the path names a new
/// file (rotated) it goes on with that one from its start, and when the file shrank
/// (truncated) it starts over; a file that does not exist yet is waited for. Each new file
/// (or start over) begins a new `generation`, so line numbers restart with it. It never
/// ends by itself.
final class FollowedFile: ByteSource {
  private var device: UInt64
  private var inode: UInt64
  private var offset: Int64 = 0
  /// Whether a file is open (false while waiting for the path to appear).
  private var isOpen: Bool
  /// Told once per rotation or truncation, for the user.
  private let notice: (String) -> Void

  init(path: String, notice: @escaping (String) -> Void) throws(InputError) {
    self.notice = notice
    device = 0
    inode = 0
    var info = stat()
    if stat(path, &info) != 0 && errno == ENOENT {
      // `tail -F`: a log that is not there yet is waited for.
      isOpen = false
      super.init(descriptor: -1, name: path, ownsDescriptor: false)
      notice("lockscope: '\(path)' does not exist yet; waiting for it to appear")
      return
    }
    isOpen = true
    try super.init(path: path)
    (device, inode) = Self.identity(of: fd)
  }

  deinit {
    // Files opened after a wait or a rotation are this class's to close.
    if !ownsInitialDescriptor && fd >= 0 { close(fd) }
  }

  override func read(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(InputError) -> Int {
    guard isOpen else {
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { return ByteSource.noDataYet }
      fd = descriptor
      isOpen = true
      (device, inode) = Self.identity(of: fd)
      notice("lockscope: '\(name)' appeared; following it")
      return ByteSource.noDataYet
    }
    let n = try super.read(into: buffer, count: count)
    if n > 0 {
      offset += Int64(n)
      return n
    }
    // At the end of what is written so far: quiet, rotated, or truncated.
    var onDisk = stat()
    guard stat(path, &onDisk) == 0 else { return ByteSource.noDataYet }  // mid-rotation: no file yet
    if UInt64(onDisk.st_dev) != device || UInt64(onDisk.st_ino) != inode {
      let descriptor = open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else { return ByteSource.noDataYet }
      close(fd)
      fd = descriptor
      (device, inode) = Self.identity(of: fd)
      offset = 0
      generation += 1
      notice("lockscope: '\(name)' was replaced (rotated); following the new file from its start")
    } else if Int64(onDisk.st_size) < offset {
      lseek(fd, 0, SEEK_SET)
      offset = 0
      generation += 1
      notice("lockscope: '\(name)' was truncated; reading it again from its start")
    }
    return ByteSource.noDataYet
  }

  private static func identity(of descriptor: Int32) -> (UInt64, UInt64) {
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { return (0, 0) }
    return (UInt64(info.st_dev), UInt64(info.st_ino))
  }
}
