// The video-file flags decode and roundtrip share: --fps and --crf for MP4/MKV output.
#include "commands.h"

#include "core/error.h"

namespace ts::cli {

const std::set<std::string>& videoOutputFlags() {
    static const std::set<std::string> flags{"fps", "crf"};
    return flags;
}

VideoWriterOptions videoOptionsFrom(const CliArgs& args, const std::string& outPath) {
    VideoWriterOptions o;
    o.fps = args.getInt("fps", o.fps);
    o.crf = args.getInt("crf", o.crf);
    o.validate();
    // They would be silently ignored by the tensor and PNG writers: say so instead.
    if ((args.has("fps") || args.has("crf")) && !isVideoContainerPath(outPath))
        throwUsage(std::string(args.has("fps") ? "--fps" : "--crf") + " sets the MP4/MKV encoder, but --out " + outPath +
                   " is not a .mp4 or .mkv file");
    return o;
}

}  // namespace ts::cli
