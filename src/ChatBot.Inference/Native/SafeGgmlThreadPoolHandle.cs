using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

/// <summary>
/// A persistent ggml CPU thread pool (<c>ggml_threadpool_new</c>), as llama-bench and llama-server attach to their
/// contexts: without one, every <c>llama_decode</c> starts and joins its worker threads anew. LLamaSharp has no
/// binding for it (<see cref="GgmlNative"/>).
/// </summary>
internal sealed unsafe class SafeGgmlThreadPoolHandle : SafeHandle
{
    private readonly delegate* unmanaged<nint, void> _free;

    private SafeGgmlThreadPoolHandle(nint pool, delegate* unmanaged<nint, void> free)
        : base(0, ownsHandle: true)
    {
        _free = free;
        SetHandle(pool);
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>A pool of <paramref name="threads"/> (the caller's thread counts as one), or null when the CPU backend offers none.</summary>
    /// <param name="poll">How hard idle workers poll for the next graph: 0 sleeps at once, 50 is llama.cpp's default, 100 spins hardest.</param>
    public static SafeGgmlThreadPoolHandle? Create(int threads, int poll = 50)
    {
        var pool = GgmlNative.CreateThreadPool(threads, poll, out var free);
        return pool == 0 ? null : new SafeGgmlThreadPoolHandle(pool, (delegate* unmanaged<nint, void>)free);
    }

    /// <summary>Attaches the pool to a context, for generation and prompt batches alike.</summary>
    public void AttachTo(LLama.Native.SafeLLamaContextHandle context) =>
        GgmlNative.llama_attach_threadpool(context.DangerousGetHandle(), handle, handle);

    protected override bool ReleaseHandle()
    {
        _free(handle);
        return true;
    }
}
