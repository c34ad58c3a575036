using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MriCs.Dicom.Network;

/// <summary>fsync of a directory (so a rename or a new entry is durable) and fdatasync of a file; directory fsync is a no-op on Windows.</summary>
internal static partial class Fsync
{
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncFd(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FdatasyncFd(nint fd);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncfsFd(int fd);

    [LibraryImport("kernel32.dll", SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static partial bool FlushFileBuffers(SafeFileHandle handle);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    public static void Directory(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open directory {path} to fsync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (FsyncFd(fd) != 0) throw new IOException($"fsync of directory {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>
    /// syncfs (Linux): every dirty page and the file system journal of the volume holding <paramref name="path"/>
    /// reach stable storage at once: one device flush for a whole batch of new files and renames, where an fsync
    /// per file would commit the file system journal once per file.
    /// </summary>
    public static void FileSystem(string path)
    {
        var fd = Open(path, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"cannot open {path} to syncfs it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (SyncfsFd(fd) != 0) throw new IOException($"syncfs of {path} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>
    /// fdatasync: the file's data (and the metadata needed to read it back, such as its size) reach stable
    /// storage, without the timestamp-only inode update that makes fsync commit the file system journal.
    /// Overwrites of already allocated, already written blocks then cost one device flush.
    /// </summary>
    public static void Data(SafeFileHandle handle, string what)
    {
        if (OperatingSystem.IsWindows())
        {
            if (!FlushFileBuffers(handle)) throw new IOException($"FlushFileBuffers of {what} failed (error {Marshal.GetLastPInvokeError()})");
            return;
        }
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (FdatasyncFd(handle.DangerousGetHandle()) != 0)
                throw new IOException($"fdatasync of {what} failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
