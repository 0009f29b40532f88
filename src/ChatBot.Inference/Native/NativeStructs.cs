using System.Runtime.InteropServices;

namespace ChatBot.Inference.Native;

// Layouts of llama.cpp v0.5.0 (node-llama-cpp 3.22.1), x64 SysV. Field names are the C names so the layout
// test can compare every offset against the header; C bool is one byte, enums are four.
#pragma warning disable CA1707, IDE1006, SA1300 // C names on purpose

[StructLayout(LayoutKind.Sequential)]
internal struct llama_model_params
{
    public nint devices;
    public nint tensor_buft_overrides;
    public int n_gpu_layers;
    public int split_mode;
    public int load_mode;
    public int lazy_mode;
    public int main_gpu;
    public nint tensor_split;
    public nint progress_callback;
    public nint progress_callback_user_data;
    public nint kv_overrides;
    public byte vocab_only;
    public byte check_tensors;
    public byte use_extra_bufts;
    public byte no_host;
    public byte no_alloc;
    public byte load_mtp;
}

[StructLayout(LayoutKind.Sequential)]
internal struct llama_context_params
{
    public uint n_ctx;
    public uint n_batch;
    public uint n_ubatch;
    public uint n_seq_max;
    public uint n_rs_seq;
    public uint n_outputs_max;
    public uint n_outputs_max_per_seq;
    public int n_threads;
    public int n_threads_batch;
    public int ctx_type;
    public int rope_scaling_type;
    public int pooling_type;
    public int attention_type;
    public int flash_attn_type;
    public float rope_freq_base;
    public float rope_freq_scale;
    public float yarn_ext_factor;
    public float yarn_attn_factor;
    public float yarn_beta_fast;
    public float yarn_beta_slow;
    public uint yarn_orig_ctx;
    public float defrag_thold;
    public nint cb_eval;
    public nint cb_eval_user_data;
    public int type_k;
    public int type_v;
    public nint abort_callback;
    public nint abort_callback_data;
    public byte embeddings;
    public byte offload_kqv;
    public byte no_perf;
    public byte op_offload;
    public byte swa_full;
    public byte kv_unified;
    public nint samplers;
    public nuint n_samplers;
    public nint ctx_other;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct llama_batch
{
    public int n_tokens;
    public int* token;
    public float* embd;
    public int* pos;
    public int* n_seq_id;
    public int** seq_id;
    public sbyte* logits;
}

[StructLayout(LayoutKind.Sequential)]
internal struct llama_model_quantize_params
{
    public int nthread;
    public int ftype;
    public int output_tensor_type;
    public int token_embedding_type;
    public byte allow_requantize;
    public byte quantize_output_tensor;
    public byte only_copy;
    public byte pure;
    public byte keep_split;
    public byte dry_run;
    public nint imatrix;
    public nint kv_overrides;
    public nint tt_overrides;
    public nint prune_layers;
    public nuint max_buf_size;
}

[StructLayout(LayoutKind.Sequential)]
internal struct llama_chat_message
{
    public nint role;
    public nint content;
}

[StructLayout(LayoutKind.Sequential)]
internal struct llama_sampler_chain_params
{
    public byte no_perf;
}

[StructLayout(LayoutKind.Sequential)]
internal struct llama_token_data
{
    public int id;
    public float logit;
    public float p;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct llama_token_data_array
{
    public llama_token_data* data;
    public nuint size;
    public long selected;
    public byte sorted;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ggml_threadpool_params
{
    public fixed byte cpumask[LlamaNative.GgmlMaxThreads];
    public int n_threads;
    public int prio;
    public uint poll;
    public byte strict_cpu;
    public byte paused;
}

[StructLayout(LayoutKind.Sequential)]
internal struct gguf_init_params
{
    public byte no_alloc;
    public nint ctx;
}

[StructLayout(LayoutKind.Sequential)]
internal struct ggml_init_params
{
    public nuint mem_size;
    public nint mem_buffer;
    public byte no_alloc;
}

#pragma warning restore CA1707, IDE1006, SA1300

/// <summary>Enum values from the header that the engine and the model forge use.</summary>
internal static class LlamaConstants
{
    public const int GgmlTypeF32 = 0;
    public const int FtypeAllF32 = 0;
}
