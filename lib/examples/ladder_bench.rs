//! Benchmark: the product's single-decode HLS ladder against a naive one-ffmpeg-per-output run, on the
//! same generated 1080p input, alternated in one session and reported as medians and a ratio. The
//! results and how to read them are in `docs/benchmarks.md`.
//!
//! ```text
//! cargo run -p mediashare --example ladder_bench -- [--seconds N] [--runs R]    # or: make bench-transcode
//! ```
//!
//! The dev profile is fine: ffmpeg does all the work, this program only starts it and reads the clock.
//! It is an example, not a test: `cargo test` builds it but never runs it.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use mediashare::media::ladder::{self, RungPlan};
use mediashare::media::video::{self, SEGMENT_SECONDS};
use mediashare::media::{Limits, Tools, VideoStream, probe};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const USAGE: &str = "usage: ladder_bench [--seconds N] [--runs R]
  --seconds N  length of the generated 1920x1080 30 fps input (default 20)
  --runs R     rounds; each runs the single-decode ladder, then the naive one, then a decode-only pass (default 3)";

/// How the input is made: moving test card with temporal noise so it is not trivially compressible;
/// at CRF 20 this lands near a phone's 1080p30 bitrate (about 14 Mb/s with ffmpeg 5.1).
const INPUT_VIDEO: &str = "testsrc2=size=1920x1080:rate=30";
const INPUT_NOISE: &str = "noise=alls=5:allf=t";
const INPUT_CRF: &str = "20";
/// Two different tones so the audio track is really stereo.
const INPUT_AUDIO: &str = "aevalsrc=0.4*sin(440*2*PI*t)|0.4*sin(660*2*PI*t):s=48000";

// The naive baseline repeats the product's settings: these are the fragments of `video::encode_args` it
// copies, checked against the product's own arguments before anything runs (see `Naive::plan`).
const X264: &[&str] = &["-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"];
const AAC: &[&str] = &["-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2"];
const HLS: &[&str] =
    &["-hls_playlist_type", "vod", "-hls_flags", "independent_segments", "-hls_segment_type", "mpegts"];
const MUXING: &[&str] = &["-map_metadata", "-1", "-max_muxing_queue_size", "4096"];
const POSTER: &[&str] = &["-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-map_metadata", "-1", "-update", "1"];
const PREVIEW: &[&str] =
    &["-an", "-c:v", "libwebp", "-quality", "60", "-compression_level", "4", "-loop", "0", "-map_metadata", "-1"];

fn main() -> ExitCode {
    match bench() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ladder_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn bench() -> BenchResult<()> {
    let options = Options::parse(std::env::args().skip(1))?;
    let tools = Tools::from_env(Duration::from_secs(3600));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let machine = Machine::read(&tools)?;
    let work = tempfile::tempdir()?;
    let input = work.path().join("input.mp4");

    eprintln!("generating {} s of 1920x1080 30 fps input…", options.seconds);
    generate_input(&tools, &input, options.seconds)?;
    let probed = rt.block_on(probe(&tools, &input))?;
    let stream = probed.video.clone().ok_or("the generated input has no video stream")?;
    let duration = probed.duration.ok_or("the generated input has no duration")?;
    let source = Source { bytes: fs::metadata(&input)?.len(), duration };
    let (width, height) = stream.display_size();
    let plans = ladder::ladder(width, height);
    let naive = Naive::plan(&stream, probed.audio.as_ref().map(|a| a.index), &plans, duration)?;
    let limits = Limits { max_duration_seconds: duration + 60.0, ..Limits::default() };

    let mut rounds = Vec::with_capacity(options.runs);
    for round in 1..=options.runs {
        let single_dir = work.path().join(format!("single-{round}"));
        let ((), single) = timed(|| {
            rt.block_on(video::transcode(&tools, &input, &single_dir, &limits)).map(drop).map_err(Into::into)
        })?;
        check_outputs(&single_dir, &plans)?;

        let naive_dir = work.path().join(format!("naive-{round}"));
        let (steps, naive_total) = timed(|| naive.run(&rt, &tools, &input, &naive_dir))?;
        check_outputs(&naive_dir, &plans)?;
        if round == 1 {
            compare_sizes(&single_dir, &naive_dir, &plans)?;
        }
        let ((), decode) = timed(|| decode_only(&tools, &input))?;
        fs::remove_dir_all(&single_dir)?;
        fs::remove_dir_all(&naive_dir)?;
        eprintln!(
            "round {round}/{}: single-decode {:.1} s, naive {:.1} s, decode only {:.1} s",
            options.runs,
            single.wall.as_secs_f64(),
            naive_total.wall.as_secs_f64(),
            decode.wall.as_secs_f64()
        );
        rounds.push(Round { single, naive: naive_total, decode, steps });
    }
    report(&options, &machine, &source, &plans, &rounds);
    Ok(())
}

/// Command-line options.
struct Options {
    seconds: u32,
    runs: usize,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> BenchResult<Self> {
        let mut options = Options { seconds: 20, runs: 3 };
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--seconds" => options.seconds = number(&arg, args.next())?,
                "--runs" => options.runs = number(&arg, args.next())?,
                "-h" | "--help" => {
                    println!("{USAGE}");
                    std::process::exit(0);
                }
                other => return Err(format!("unknown argument `{other}`\n{USAGE}").into()),
            }
        }
        if options.seconds == 0 || options.runs == 0 {
            return Err(format!("--seconds and --runs must be positive\n{USAGE}").into());
        }
        Ok(options)
    }

    /// The command that reproduces this run.
    fn command(&self) -> String {
        format!("cargo run -p mediashare --example ladder_bench -- --seconds {} --runs {}", self.seconds, self.runs)
    }
}

fn number<T: FromStr>(flag: &str, value: Option<String>) -> BenchResult<T> {
    value.and_then(|v| v.parse().ok()).ok_or_else(|| format!("{flag} needs a positive whole number\n{USAGE}").into())
}

/// What the numbers were measured on.
struct Machine {
    cpus: usize,
    cpu_model: String,
    arch: &'static str,
    ffmpeg: String,
    date: String,
    load_before: String,
    clock_ticks: f64,
}

impl Machine {
    fn read(tools: &Tools) -> BenchResult<Self> {
        let version = output(Command::new(&tools.ffmpeg).arg("-version"))?;
        let cpu_model = fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines().find(|l| l.starts_with("model name")).and_then(|l| l.split(':').nth(1)).map(str::to_owned)
            })
            .map_or_else(|| "unknown".to_owned(), |m| m.trim().to_owned());
        let clock_ticks =
            output(Command::new("getconf").arg("CLK_TCK")).ok().and_then(|t| t.trim().parse().ok()).unwrap_or(100.0);
        Ok(Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            arch: std::env::consts::ARCH,
            ffmpeg: version.lines().next().unwrap_or("ffmpeg (unknown version)").to_owned(),
            date: time::OffsetDateTime::now_utc()
                .format(time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC"))?,
            load_before: loadavg(),
            clock_ticks,
        })
    }
}

/// The 1-, 5- and 15-minute load averages, to spot a run disturbed by something else on the machine.
fn loadavg() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "n/a".into())
}

/// The generated input.
struct Source {
    bytes: u64,
    duration: f64,
}

fn generate_input(tools: &Tools, input: &Path, seconds: u32) -> BenchResult<()> {
    let mut cmd = ffmpeg(tools);
    cmd.args(["-f", "lavfi", "-i", &format!("{INPUT_VIDEO}:duration={seconds}")]);
    cmd.args(["-f", "lavfi", "-i", &format!("{INPUT_AUDIO}:d={seconds}")]);
    cmd.args(["-vf", INPUT_NOISE, "-c:v", "libx264", "-preset", "veryfast", "-crf", INPUT_CRF, "-profile:v", "high"]);
    cmd.args(["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", "-movflags", "+faststart"]).arg(input);
    run(cmd)
}

/// One decode of the video with nothing else: what the naive run pays again for every rung.
fn decode_only(tools: &Tools, input: &Path) -> BenchResult<()> {
    let mut cmd = ffmpeg(tools);
    cmd.arg("-i").arg(input).args(["-map", "0:v:0", "-f", "null", "-"]);
    run(cmd)
}

/// The naive ladder: every rung, the poster and the preview from an ffmpeg process of its own, each
/// decoding the input again, with the product's filters and encoder settings; then the same MP4 remux.
struct Naive {
    /// `[0:N]` plus whatever the product filters before its split (e.g. `fps=30,`).
    head: String,
    audio: Option<usize>,
    /// (rung, its filter chain as the product writes it).
    rungs: Vec<(RungPlan, String)>,
    poster: String,
    preview: String,
    progressive: Option<String>,
}

impl Naive {
    /// Takes the filter chains out of the product's own `encode_args` and checks that every other setting
    /// the baseline copies is still what the product uses, so the two sides differ only in decoding.
    fn plan(stream: &VideoStream, audio: Option<usize>, plans: &[RungPlan], duration: f64) -> BenchResult<Self> {
        let args = video::encode_args(stream, audio, plans, duration);
        let graph = args.get(1).ok_or("encode_args has no filter graph")?;
        let joined = args.join(" ");
        let mut expected = vec![X264.join(" "), HLS.join(" "), POSTER.join(" "), PREVIEW.join(" ")];
        expected.push(format!("-force_key_frames expr:gte(t,n_forced*{SEGMENT_SECONDS}) -sc_threshold 0"));
        expected.push(format!("{} -f hls -hls_time {SEGMENT_SECONDS}", MUXING.join(" ")));
        if audio.is_some() {
            expected.push(AAC.join(" "));
        }
        for (i, plan) in plans.iter().enumerate() {
            let (b, max, buf) = (plan.video_kbps, plan.maxrate_kbps(), plan.bufsize_kbps());
            expected.push(format!("-b:v:{i} {b}k -maxrate:v:{i} {max}k -bufsize:v:{i} {buf}k"));
        }
        if let Some(missing) = expected.iter().find(|fragment| !joined.contains(fragment.as_str())) {
            return Err(format!(
                "the naive baseline no longer mirrors video::encode_args (`{missing}` is gone): update it"
            )
            .into());
        }

        let chains: Vec<&str> = graph.split(';').collect();
        let head = chains[0].split("split=").next().unwrap_or_default().to_owned();
        let chain = |label: &str, out: &str| -> BenchResult<String> {
            chains
                .iter()
                .find_map(|c| c.strip_prefix(label).and_then(|c| c.strip_suffix(out)))
                .map(str::to_owned)
                .ok_or_else(|| format!("no `{label}…{out}` chain in the product's filter graph: {graph}").into())
        };
        let rungs = plans
            .iter()
            .enumerate()
            .map(|(i, plan)| Ok((plan.clone(), chain(&format!("[s{i}]"), &format!("[v{i}]"))?)))
            .collect::<BenchResult<Vec<_>>>()?;
        Ok(Naive {
            head,
            audio,
            rungs,
            poster: chain("[sp]", "[poster]")?,
            preview: chain("[sv]", "[preview]")?,
            progressive: ladder::progressive_rung(plans).map(|p| p.name.clone()),
        })
    }

    /// Runs every step one after the other in `out`; returns each step's timing.
    fn run(
        &self,
        rt: &tokio::runtime::Runtime,
        tools: &Tools,
        input: &Path,
        out: &Path,
    ) -> BenchResult<Vec<(String, Sample)>> {
        let mut steps = Vec::new();
        // A naive pipeline needs the source's size to plan its ladder too.
        let (_, sample) = timed(|| rt.block_on(probe(tools, input)).map_err(Into::into))?;
        steps.push(("ffprobe".to_owned(), sample));
        for (plan, chain) in &self.rungs {
            fs::create_dir_all(out.join("hls").join(&plan.name))?;
            let mut cmd = self.decoding(tools, input, out, chain);
            cmd.args(["-map", "[out]"]);
            if let Some(index) = self.audio {
                cmd.args(["-map", &format!("0:{index}")]);
            }
            cmd.args(X264);
            cmd.args(["-b:v", &format!("{}k", plan.video_kbps), "-maxrate", &format!("{}k", plan.maxrate_kbps())]);
            cmd.args(["-bufsize", &format!("{}k", plan.bufsize_kbps())]);
            cmd.args(["-force_key_frames", &format!("expr:gte(t,n_forced*{SEGMENT_SECONDS})"), "-sc_threshold", "0"]);
            if self.audio.is_some() {
                cmd.args(AAC);
            }
            cmd.args(MUXING).args(["-f", "hls", "-hls_time", &SEGMENT_SECONDS.to_string()]).args(HLS);
            cmd.args(["-hls_segment_filename", &format!("hls/{}/seg_%03d.ts", plan.name)]);
            cmd.arg(format!("hls/{}/index.m3u8", plan.name));
            steps.push((format!("rung {}", plan.name), timed(|| run(cmd))?.1));
        }
        let mut cmd = self.decoding(tools, input, out, &self.poster);
        cmd.args(["-map", "[out]"]).args(POSTER).arg("poster.jpg");
        steps.push(("poster".to_owned(), timed(|| run(cmd))?.1));
        let mut cmd = self.decoding(tools, input, out, &self.preview);
        cmd.args(["-map", "[out]"]).args(PREVIEW).arg("preview.webp");
        steps.push(("preview".to_owned(), timed(|| run(cmd))?.1));
        if let Some(name) = &self.progressive {
            // The product's remux, from the rung's own segments (they carry the audio here).
            fs::create_dir_all(out.join("mp4"))?;
            let mut cmd = ffmpeg(tools);
            cmd.current_dir(out).args(["-i", &format!("hls/{name}/index.m3u8"), "-map", "0:v:0"]);
            if self.audio.is_some() {
                cmd.args(["-map", "0:a:0"]);
            }
            cmd.args(["-c", "copy", "-map_metadata", "-1", "-movflags", "+faststart"]).arg(format!("mp4/{name}.mp4"));
            steps.push((format!("mp4 {name}"), timed(|| run(cmd))?.1));
        }
        Ok(steps)
    }

    /// An ffmpeg run in `out` that decodes `input` and filters it through `chain` into `[out]`.
    fn decoding(&self, tools: &Tools, input: &Path, out: &Path, chain: &str) -> Command {
        let mut cmd = ffmpeg(tools);
        cmd.current_dir(out).arg("-i").arg(input).args(["-filter_complex", &format!("{}{chain}[out]", self.head)]);
        cmd
    }
}

/// Fails when a run left out one of the files the product publishes.
fn check_outputs(out: &Path, plans: &[RungPlan]) -> BenchResult<()> {
    let mut expected: Vec<PathBuf> = plans.iter().map(|p| out.join("hls").join(&p.name).join("index.m3u8")).collect();
    expected.extend([out.join("poster.jpg"), out.join("preview.webp")]);
    expected.extend(ladder::progressive_rung(plans).map(|p| out.join("mp4").join(format!("{}.mp4", p.name))));
    match expected.iter().find(|path| fs::metadata(path).map_or(true, |m| m.len() == 0)) {
        Some(path) => Err(format!("{} is missing or empty", path.display()).into()),
        None => Ok(()),
    }
}

/// Prints (to stderr) each rung's bytes on both sides: same settings should give about the same sizes.
fn compare_sizes(single: &Path, naive: &Path, plans: &[RungPlan]) -> BenchResult<()> {
    let audio = dir_bytes(&single.join("hls").join("audio"))?;
    eprintln!("sizes (round 1): single-decode rung + its shared audio rendition vs naive rung with muxed audio");
    for plan in plans {
        let one = dir_bytes(&single.join("hls").join(&plan.name))? + audio;
        let other = dir_bytes(&naive.join("hls").join(&plan.name))?;
        eprintln!("  {:>5}: {:>10} B vs {:>10} B ({:+.1} %)", plan.name, one, other, percent(other, one));
    }
    Ok(())
}

fn dir_bytes(dir: &Path) -> BenchResult<u64> {
    if !dir.exists() {
        return Ok(0);
    }
    let mut total = 0;
    for entry in fs::read_dir(dir)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

fn percent(value: u64, reference: u64) -> f64 {
    if reference == 0 { 0.0 } else { (value as f64 / reference as f64 - 1.0) * 100.0 }
}

/// Wall time, CPU time (user + system) of the child processes reaped meanwhile, and CPU time everything
/// else on the machine used meanwhile (a disturbed sample shows there). CPU times are in clock ticks.
#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    cpu: Option<f64>,
    others: Option<f64>,
}

fn timed<T>(f: impl FnOnce() -> BenchResult<T>) -> BenchResult<(T, Sample)> {
    let (cpu_before, busy_before) = (children_cpu_ticks(), machine_busy_ticks());
    let start = Instant::now();
    let value = f()?;
    let wall = start.elapsed();
    let cpu = children_cpu_ticks().zip(cpu_before).map(|(after, before)| after.saturating_sub(before) as f64);
    let busy = machine_busy_ticks().zip(busy_before).map(|(after, before)| after.saturating_sub(before) as f64);
    let others = busy.zip(cpu).map(|(busy, cpu)| (busy - cpu).max(0.0));
    Ok((value, Sample { wall, cpu, others }))
}

/// `cutime + cstime` of this process from `/proc/self/stat`: the CPU time of every child that was waited
/// for (Linux only).
fn children_cpu_ticks() -> Option<u64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which sits in parentheses: state is field 3, cutime 16, cstime 17.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?)
}

/// Busy time of all CPUs from `/proc/stat`: user, nice, system, irq, softirq and steal (Linux only).
fn machine_busy_ticks() -> Option<u64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).take(8).map(|f| f.parse().ok()).collect::<Option<_>>()?;
    Some(fields.iter().enumerate().filter(|(i, _)| ![3, 4].contains(i)).map(|(_, t)| t).sum())
}

fn ffmpeg(tools: &Tools) -> Command {
    let mut cmd = Command::new(&tools.ffmpeg);
    cmd.args(["-hide_banner", "-nostdin", "-loglevel", "error", "-y"]);
    cmd
}

fn run(mut cmd: Command) -> BenchResult<()> {
    let out = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!("{:?} failed ({}): {}", cmd, out.status, String::from_utf8_lossy(&out.stderr).trim()).into())
}

fn output(cmd: &mut Command) -> BenchResult<String> {
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::null()).output()?;
    if !out.status.success() {
        return Err(format!("{cmd:?} failed ({})", out.status).into());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// One round: A (single-decode), B (naive), then one decode-only pass.
struct Round {
    single: Sample,
    naive: Sample,
    decode: Sample,
    steps: Vec<(String, Sample)>,
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) { (values[mid - 1] + values[mid]) / 2.0 } else { values[mid] }
}

/// Prints the results as markdown, ready for `docs/benchmarks.md`.
fn report(options: &Options, machine: &Machine, source: &Source, plans: &[RungPlan], rounds: &[Round]) {
    let ticks = machine.clock_ticks;
    let wall = |pick: fn(&Round) -> Sample| median(rounds.iter().map(|r| pick(r).wall.as_secs_f64()).collect());
    let cpu = |pick: fn(&Round) -> Sample| -> Option<f64> {
        rounds.iter().map(|r| pick(r).cpu.map(|c| c / ticks)).collect::<Option<Vec<_>>>().map(median)
    };
    let secs = |c: Option<f64>| c.map_or_else(|| "n/a".to_owned(), |c| format!("{c:.1}"));
    let (single, naive, decode) = (wall(|r| r.single), wall(|r| r.naive), wall(|r| r.decode));
    let rungs: Vec<String> = plans.iter().map(|p| format!("{} {} kb/s", p.name, p.video_kbps)).collect();

    println!("Command: `{}`\n", options.command());
    println!("- Machine: {} CPUs ({}, {}), {}", machine.cpus, machine.cpu_model, machine.arch, machine.ffmpeg);
    println!("- Date: {}; load average before the run: {}", machine.date, machine.load_before);
    println!(
        "- Input: {:.1} s of 1920x1080 30 fps `{INPUT_VIDEO},{INPUT_NOISE}` + stereo sine, H.264 High CRF {INPUT_CRF} \
         / AAC, {:.1} MB ({:.1} Mb/s)",
        source.duration,
        source.bytes as f64 / 1e6,
        source.bytes as f64 * 8.0 / source.duration / 1e6
    );
    println!("- Ladder: {} + poster + preview + MP4 remux\n", rungs.join(", "));

    println!(
        "| round | single-decode wall (s) | naive wall (s) | naive / single | single CPU (s) | naive CPU (s) \
         | other processes' CPU (s) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (i, r) in rounds.iter().enumerate() {
        let (a, b) = (r.single.wall.as_secs_f64(), r.naive.wall.as_secs_f64());
        let (ca, cb) = (secs(r.single.cpu.map(|c| c / ticks)), secs(r.naive.cpu.map(|c| c / ticks)));
        let others = secs(r.single.others.zip(r.naive.others).map(|(a, b)| (a + b) / ticks));
        println!("| {} | {a:.1} | {b:.1} | {:.2} | {ca} | {cb} | {others} |", i + 1, b / a);
    }
    let (cpu_single, cpu_naive) = (cpu(|r| r.single), cpu(|r| r.naive));
    println!(
        "| **median** | **{single:.1}** | **{naive:.1}** | **{:.2}** | {} | {} | |\n",
        naive / single,
        secs(cpu_single),
        secs(cpu_naive)
    );
    println!("- Ratio of medians, naive / single-decode wall time: **{:.2}×**", naive / single);
    if let (Some(a), Some(b)) = (cpu_single, cpu_naive) {
        println!("- Ratio of medians, naive / single-decode CPU time: {:.2}×", b / a);
        println!("- Cores kept busy on average (CPU / wall): single-decode {:.2}, naive {:.2}", a / single, b / naive);
    }
    println!(
        "- Real-time factor of the single-decode pipeline (input seconds / wall seconds): **{:.2}** \
         ({:.2} s of wall time per second of video)",
        source.duration / single,
        single / source.duration
    );
    println!(
        "- One decode of the input alone (`-f null`, median): {decode:.1} s wall, {} s CPU\n",
        secs(cpu(|r| r.decode))
    );

    println!("Naive run, step by step (medians):\n");
    println!("| step | wall (s) | CPU (s) |");
    println!("|---|---:|---:|");
    for (i, (name, _)) in rounds[0].steps.iter().enumerate() {
        let step_wall = median(rounds.iter().map(|r| r.steps[i].1.wall.as_secs_f64()).collect());
        let step_cpu = rounds.iter().map(|r| r.steps[i].1.cpu.map(|c| c / ticks)).collect::<Option<Vec<_>>>();
        println!("| {name} | {step_wall:.1} | {} |", secs(step_cpu.map(median)));
    }
}
