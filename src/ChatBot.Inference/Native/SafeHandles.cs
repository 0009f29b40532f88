using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

internal sealed class SafeLlamaModelHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public static SafeLlamaModelHandle From(nint pointer)
    {
        var safe = new SafeLlamaModelHandle();
        safe.SetHandle(pointer);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_model_free(handle);
        return true;
    }
}

internal sealed class SafeLlamaContextHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public static SafeLlamaContextHandle From(nint pointer)
    {
        var safe = new SafeLlamaContextHandle();
        safe.SetHandle(pointer);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_free(handle);
        return true;
    }
}

internal sealed class SafeLlamaSamplerHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public static SafeLlamaSamplerHandle From(nint pointer)
    {
        var safe = new SafeLlamaSamplerHandle();
        safe.SetHandle(pointer);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_sampler_free(handle);
        return true;
    }
}

/// <summary>
/// A <c>llama_batch</c> from <c>llama_batch_init</c>, kept in native memory so it can live in a SafeHandle.
/// <c>llama_batch_init</c> leaves the arrays uninitialised: every field of every used row is set before decode.
/// </summary>
internal sealed unsafe class SafeLlamaBatchHandle() : SafeHandle(0, ownsHandle: true)
{
    public override bool IsInvalid => handle == 0;

    public int Capacity { get; private init; }

    public llama_batch* Batch => (llama_batch*)handle;

    public static SafeLlamaBatchHandle Create(int capacity, int maxSequencesPerToken)
    {
        var batch = (llama_batch*)NativeMemory.Alloc((nuint)sizeof(llama_batch));
        *batch = LlamaNative.llama_batch_init(capacity, 0, maxSequencesPerToken);
        var safe = new SafeLlamaBatchHandle { Capacity = capacity };
        safe.SetHandle((nint)batch);
        return safe;
    }

    protected override bool ReleaseHandle()
    {
        LlamaNative.llama_batch_free(*(llama_batch*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
