using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

/// <summary>
/// <c>Inference:LockMemory</c>: the process's memory — the weights, the KV cache and every later allocation — locked
/// in RAM with <c>mlockall(MCL_CURRENT | MCL_FUTURE)</c>, for hosts where swap cannot be turned off: neither the
/// weights nor the conversations in the cache can be written to a swap device.
/// </summary>
internal static partial class MemoryLock
{
    private const int McCurrent = 1;
    private const int McFuture = 2;

    /// <exception cref="InvalidOperationException">The kernel refused, with the limit to raise named.</exception>
    public static void LockAll()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new InvalidOperationException("Inference:LockMemory is supported on Linux only; turn it off and disable swap on this host instead.");
        }

        if (mlockall(McCurrent | McFuture) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InvalidOperationException($"Inference:LockMemory: mlockall failed ({(errno == 12 ? "ENOMEM" : errno == 1 ? "EPERM" : "errno " + errno)}): " +
                "the process may not lock this much memory. Raise RLIMIT_MEMLOCK (systemd: LimitMEMLOCK=infinity; docker: --ulimit memlock=-1; " +
                "Kubernetes: the IPC_LOCK capability), or turn Inference:LockMemory off and forbid swap (systemd MemorySwapMax=0).");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int mlockall(int flags);
}
