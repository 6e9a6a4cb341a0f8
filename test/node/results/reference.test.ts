// Statistics against SciPy reference values, to 1e-6 (absolute; relative for values above 1 and for tail probabilities below 1e-6).
// REF below is pasted output of test/node/results/reference/make-reference.py (its docstring says which SciPy
// function each value comes from); the `source` field names the versions. Regenerate and re-paste when adding a case.
import { describe, expect, it } from "vitest";
import { probBeatsControlMean, probBeatsControlRate } from "../../../src/results/stats/bayes.ts";
import { compareMeans, compareRates } from "../../../src/results/stats/compare.ts";
import { chiSquareSf, normCdf, normQuantile, studentTTwoSided } from "../../../src/results/stats/distributions.ts";
import { holdoutUplift } from "../../../src/results/stats/holdout.ts";
import { betaIncReg, gammaIncReg, lbeta, lgamma } from "../../../src/results/stats/special.ts";
import { srmCheck } from "../../../src/results/stats/srm.ts";
import { meanSummary, rateSummary } from "../../../src/results/stats/summary.ts";

type Num = number | null;

/**
 * |actual − expected| ≤ 1e-6·max(1, |expected|), and for 0 < |expected| < 1e-6 (tail
 * probabilities) ≤ 1e-6·|expected|: a p-value of 1e-87 must be right in its digits, not just ≈ 0.
 */
function close(actual: Num | undefined, expected: Num | undefined, what: string): void {
  if (expected === undefined) expect.fail(`${what}: no reference value`);
  if (expected === null) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(actual, what).toBeTypeOf("number");
  const a = actual as number;
  const tol = Math.abs(expected) < 1e-6 && expected !== 0 ? 1e-6 * Math.abs(expected) : 1e-6 * Math.max(1, Math.abs(expected));
  if (!(Math.abs(a - expected) <= tol)) expect.fail(`${what}: got ${a}, SciPy ${expected} (tolerance ${tol})`);
}

function closePair(actual: readonly [number, number] | null | undefined, expected: readonly Num[] | null | undefined, what: string): void {
  if (expected === undefined) expect.fail(`${what}: no reference value`);
  if (expected === null) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(actual, what).not.toBeNull();
  close(actual![0], expected[0], `${what} low`);
  close(actual![1], expected[1], `${what} high`);
}

// Source: test/node/results/reference/make-reference.py (output pasted verbatim).
const REF = {"source":"test/node/results/reference/make-reference.py; SciPy 1.10.1, NumPy 1.24.2, mpmath 1.2.1 (Debian packages)","special":{"lgamma":[[0.5,0.5723649429247],[1,0.0],[1.5,-0.12078223763524526],[2,0.0],[3.7,1.428072326665388],[9.99,12.779315214350195],[10,12.801827480081469],[10.5,13.940625219403763],[33.3,82.60372358165493],[100,359.1342053695754],[10000.0,82099.71749644238],[10000000.0,151180949.36947393]],"lbeta":[[1,1,0.0],[2,3,-2.4849066497880004],[0.5,0.5,1.1447298858494],[5,12,-9.991498429858842],[30,40,-48.30174909591612],[2.5,10000.0,-22.741355546953855],[1,1000000.0,-13.815510557964444],[10000000.0,10000000.0,-13862950.404734492],[300000.0,9700000.0,-1347427.0533981621]],"gammainc":[[0.5,0.01,0.11246291601828491,0.887537083981715],[0.5,3,0.9856941215645704,0.014305878435429641],[1,2,0.8646647167633873,0.1353352832366127],[2.5,10,0.9987502694369687,0.0012497305630313773],[1.5,200,1.0,2.2138865931011112e-86],[10,3,0.0011024881301154815,0.9988975118698845],[100,120,0.9721362601094793,0.027863739890520652],[0.5,450,1.0,9.813427854296455e-198],[3,1e-05,1.66665416671666e-16,0.9999999999999998],[50,49,0.46210439360094024,0.5378956063990598]],"betainc":[[2,3,0.5,0.6875,0.3125],[0.5,0.5,0.1,0.2048327646991335,0.7951672353008662],[10,20,0.9,0.9999999999999593,4.0725056810948323e-14],[1.5,40,0.01,0.15269206115199874,0.8473079388480012],[1,1,0.3,0.3,0.7],[200,300,0.4,0.502428616319897,0.49757138368003495],[500000.0,0.5,0.999995,0.02534717223264387,0.9746528277673562]],"normCdf":[[-37.5,4.605353009581954e-308],[-30,4.906713927147908e-198],[-10,7.61985302416047e-24],[-5,2.866515718791933e-07],[-1.959963984540054,0.025],[-0.5,0.3085375387259869],[0,0.5],[0.3,0.6179114221889526],[1,0.8413447460685429],[5,0.9999997133484281],[8.3,1.0]],"normQuantile":[[1e-300,-37.0470962993612],[1e-10,-6.361340902404056],[0.001,-3.090232306167813],[0.025,-1.9599639845400545],[0.02425,-1.972961051311885],[0.3,-0.5244005127080409],[0.5,0.0],[0.975,1.959963984540054],[0.999999,4.753424308817087]],"chiSquareSf":[[3.841458820694124,1,0.04999999999999989],[16,1,6.334248366623988e-05],[200,3,4.218541107192018e-43],[0.1,5,0.9998376833880774],[1000,4,3.5694127797773694e-215],[2.5,2,0.2865047968601901],[30,30,0.4656537089440098]],"studentTTwoSided":[[2,10,0.07338803477074039],[2,2000000.0,0.04550039887380677],[40,3.5,8.766441109373023e-06],[0.01,10000000.0,0.9920212875702179],[1.5,1.2,0.34382360107343063],[100,50,2.960898892025221e-59],[-3,7.7,0.0178382646419048],[0,12,1.0]]},"rates":[{"name":"typical","t":[60,1000],"c":[50,1000],"wilsonT":[0.04689647267593196,0.07647107479135655],"wilsonC":[0.03813026239274881,0.06531382024425081],"z":0.9808164772274994,"pValue":0.32668325124120245,"lift":0.19999999999999996,"liftInterval":[-0.1669019005501623,0.7284879187108322],"probBeats":0.8356112648754591},{"name":"tiny p-value","t":[2000,10000],"c":[1000,10000],"wilsonT":[0.19227600247096752,0.20795439655143846],"wilsonC":[0.09427283017063044,0.10603436852591082],"z":19.802950859533485,"pValue":2.8075591073242668e-87,"lift":1.0,"liftInterval":[0.8635432973965802,1.1464486527295108],"probBeats":0.9999999999999626},{"name":"zero conversions in control","t":[5,1000],"c":[0,1000],"wilsonT":[0.0021375355273244604,0.011650955373375113],"wilsonC":[0.0,0.0038267584855551234],"z":2.238868314198225,"pValue":0.02516448570031848,"lift":null,"liftInterval":null,"probBeats":0.9844919531835795},{"name":"zero conversions in treatment","t":[0,1000],"c":[7,1000],"wilsonT":[0.0,0.0038267584855551234],"wilsonC":[0.0033948684009907646,0.014378315465766588],"z":-2.650393565336878,"pValue":0.008039805481319905,"lift":-1.0,"liftInterval":null,"probBeats":0.0038517947029006153},{"name":"zero conversions in both","t":[0,1000],"c":[0,1000],"wilsonT":[0.0,0.0038267584855551234],"wilsonC":[0.0,0.0038267584855551234],"z":null,"pValue":1.0,"lift":null,"liftInterval":null,"probBeats":0.49999999999999983},{"name":"control arm empty","t":[10,100],"c":[0,0],"wilsonT":[0.05522913706067508,0.17436566150491345],"wilsonC":null,"z":null,"pValue":null,"liftInterval":null,"lift":null,"probBeats":0.10784313725490187},{"name":"tiny samples","t":[1,3],"c":[0,2],"wilsonT":[0.06149194472039626,0.7923403991979523],"wilsonC":[0.0,0.6576197724933469],"z":0.9128709291752769,"pValue":0.3613104285261789,"lift":null,"liftInterval":null,"probBeats":0.7142857142857142},{"name":"tiny samples 2","t":[2,5],"c":[1,4],"wilsonT":[0.11762077423264794,0.769275718723987],"wilsonC":[0.04558726080970055,0.6993581574175981],"z":0.4743416490252569,"pValue":0.6352562959972483,"lift":0.6000000000000001,"liftInterval":[-0.7852674150678711,10.921804978080743],"probBeats":0.6515151515151513},{"name":"all converted vs most","t":[20,20],"c":[18,20],"wilsonT":[0.8388748419471808,1.0],"wilsonC":[0.6989663547715128,0.9721335187862319],"z":1.4509525002200232,"pValue":0.14679308730856683,"lift":0.11111111111111116,"liftInterval":[-0.0399083923507596,0.28588552529625333],"probBeats":0.8841463414634156},{"name":"all converted in both","t":[20,20],"c":[20,20],"wilsonT":[0.8388748419471808,1.0],"wilsonC":[0.8388748419471808,1.0],"z":null,"pValue":1.0,"lift":0.0,"liftInterval":[0.0,0.0],"probBeats":0.500000000000001},{"name":"huge, no difference","t":[300950,10000000],"c":[300000,10000000],"wilsonT":[0.02998928917993992,0.03020107184406283],"wilsonC":[0.02989445130243837,0.03010590979455207],"z":1.2443117499587506,"pValue":0.2133848482284105,"lift":0.003166666666666762,"liftInterval":[-0.0018167459212681258,0.008174958855536874],"probBeats":0.8933074073606843},{"name":"huge, large difference","t":[320000,10000000],"c":[300000,10000000],"wilsonT":[0.031891095727323245,0.03210926383308426],"wilsonC":[0.02989445130243837,0.03010590979455207],"z":25.80312239253036,"pValue":8.179760375589831e-147,"lift":0.06666666666666665,"liftInterval":[0.06144941382697744,0.0719095634295035],"probBeats":1.000000000000796},{"name":"unbalanced arms","t":[45,700],"c":[130,2600],"wilsonT":[0.048389166162934996,0.08493838600758942],"wilsonC":[0.04226640486629246,0.05906136911430564],"z":1.4970992360057427,"pValue":0.13436743853577748,"lift":0.2857142857142856,"liftInterval":[-0.07433534786958818,0.7858100346440635],"probBeats":0.9359595302178079}],"means":[{"name":"order value per visitor","t":{"n":4000,"sum":12603.383600021698,"sumSq":1100785.4391023542},"c":{"n":4000,"sum":10566.657170485309,"sumSq":947999.6898963454},"summaryT":{"mean":3.1508459000054243,"variance":265.33486360590905},"summaryC":{"mean":2.641664292621327,"variance":230.07905200217635},"t_stat":1.4468336562011759,"df":7957.699303168312,"pValue":0.14798290606352488,"lift":0.19275030851056218,"liftInterval":[-0.06122181685344482,0.5154307204750487],"probBeats":0.9260282409954783},{"name":"tiny samples","t":{"n":3,"sum":15.5,"sumSq":165.25},"c":{"n":2,"sum":7.0,"sumSq":49.0},"summaryT":{"mean":5.166666666666667,"variance":42.58333333333333},"summaryC":{"mean":3.5,"variance":24.5},"t_stat":0.3241018617760823,"df":2.7882716514660433,"pValue":0.7686342486587233,"lift":0.4761904761904763,"liftInterval":[-0.8694831816949933,15.696226205139352],"probBeats":0.6270695412747647},{"name":"no buyer in control","t":{"n":500,"sum":1000.745016674139,"sumSq":42841.57887142894},"c":{"n":400,"sum":0.0,"sumSq":0.0},"summaryT":{"mean":2.001490033348278,"variance":81.84087714355248},"summaryC":{"mean":0.0,"variance":0.0},"t_stat":4.947129697826475,"df":499.0,"pValue":1.0311864270552138e-06,"lift":null,"liftInterval":null,"probBeats":0.9999996234210173},{"name":"plain values","t":{"n":50,"sum":566.3233062311014,"sumSq":6894.1064569603805},"c":{"n":40,"sum":409.0018820264101,"sumSq":4428.9997230397985},"summaryT":{"mean":11.326466124622026,"variance":9.789075782650302},"summaryC":{"mean":10.225047050660253,"variance":6.3316983464400325},"t_stat":1.8509964689881704,"df":87.99463573021588,"pValue":0.06752487050155012,"lift":0.10771775117559512,"liftInterval":[-0.005748548694480298,0.23413309043535477],"probBeats":0.9679149694555002},{"name":"strong difference","t":{"n":20000,"sum":121721.34803451892,"sumSq":12212732.564858194},"c":{"n":20000,"sum":47590.09701429597,"sumSq":3709990.0347253294},"summaryT":{"mean":6.086067401725946,"variance":573.6250930792124},"summaryC":{"mean":2.3795048507147984,"variance":179.84645072422745},"t_stat":19.096461598620664,"df":31417.04012469577,"pValue":7.766667164748253e-81,"lift":1.5577032969265447,"liftInterval":[1.3252893793546903,1.8133471099087015],"probBeats":1.0},{"name":"control arm has one visitor","t":{"n":3,"sum":6.0,"sumSq":14.0},"c":{"n":1,"sum":5.0,"sumSq":25.0},"summaryT":{"mean":2.0,"variance":1.0},"summaryC":{"mean":5.0,"variance":null},"t_stat":null,"df":null,"pValue":null,"liftInterval":null,"probBeats":null},{"name":"huge","t":{"n":10000000,"sum":5412345.5,"sumSq":312345678.25},"c":{"n":10000000,"sum":5398765.25,"sumSq":311876543.5},"summaryT":{"mean":0.54123455,"variance":30.941636081049907},"summaryC":{"mean":0.539876525,"variance":30.896190777373},"t_stat":0.5461106619211881,"df":19999987.198121216,"pValue":0.5849898773879801,"lift":0.0025154362842503275,"liftInterval":[-0.006483064304722607,0.011595438264835759],"probBeats":0.7075050643517554}],"srm":[{"name":"5200 vs 4800 at 1:1","observed":{"control":5200,"b":4800},"expected":{"control":1,"b":1},"chiSquare":16.0,"df":1,"pValue":6.334248366623988e-05},{"name":"fair 1:1","observed":{"control":10007,"b":9993},"expected":{"control":1,"b":1},"chiSquare":0.0098,"df":1,"pValue":0.9211422802291093},{"name":"arms 1:1:2 with a 10% holdout","observed":{"control":2260,"b":2240,"c":4480,"(holdout)":1020},"expected":{"control":0.225,"b":0.225,"c":0.45,"(holdout)":0.1},"chiSquare":0.5777777777777778,"df":3,"pValue":0.9015002593596373},{"name":"tiny","observed":{"control":3,"b":1},"expected":{"control":1,"b":1},"chiSquare":1.0,"df":1,"pValue":0.31731050786291115},{"name":"huge, 0.1% skew","observed":{"control":5005000,"b":4995000},"expected":{"control":1,"b":1},"chiSquare":10.0,"df":1,"pValue":0.001565402258002549},{"name":"extreme skew","observed":{"control":60000,"b":40000},"expected":{"control":1,"b":1},"chiSquare":4000.0,"df":1,"pValue":0.0},{"name":"bandit expected counts","observed":{"control":1510,"b":8490},"expected":{"control":1500.0,"b":8500.0},"chiSquare":0.0784313725490196,"df":1,"pValue":0.779434528427275}],"holdout":[{"name":"5% holdout, personalization pays","personalized":[3990,95000],"holdout":[180,5000],"share":0.05,"difference":0.006000000000000005,"differenceInterval":[0.0006811846506324434,0.011318815349367567],"incremental":570.0000000000005,"incrementalInterval":[64.71254181008212,1075.2874581899189],"pValue":0.03858240183170602,"lift":0.16666666666666674,"liftInterval":[0.007565783098290035,0.3508905660984838],"probBeats":0.9808684223089159,"srmPValue":1.0},{"name":"no uplift","personalized":[2850,95000],"holdout":[150,5000],"share":0.05,"difference":0.0,"differenceInterval":[-0.004851184373720646,0.004851184373720646],"incremental":0.0,"incrementalInterval":[-460.8625155034614,460.8625155034614],"pValue":1.0,"lift":0.0,"liftInterval":[-0.14930885301051888,0.17551476060249271],"probBeats":0.480879367666121,"srmPValue":1.0},{"name":"holdout split broken","personalized":[3990,95000],"holdout":[300,6000],"share":0.05,"difference":-0.008,"differenceInterval":[-0.013660260447643378,-0.0023397395523566218],"incremental":-760.0,"incrementalInterval":[-1297.724742526121,-222.27525747387907],"pValue":0.002881999613334146,"lift":-0.16000000000000003,"liftInterval":[-0.2508017290368736,-0.0581932348923857],"probBeats":0.0016403350706432978,"srmPValue":8.18397442798907e-43}]};

describe("special functions (scipy.special, scipy.stats)", () => {
  it("lgamma and lbeta, including arguments of 1e7", () => {
    for (const [x, e] of REF.special.lgamma) close(lgamma(x!), e, `lgamma(${x})`);
    for (const [a, b, e] of REF.special.lbeta) close(lbeta(a!, b!), e, `lbeta(${a}, ${b})`);
  });
  it("regularized incomplete gamma P and Q, each accurate in its own tail", () => {
    for (const [a, x, p, q] of REF.special.gammainc) {
      const r = gammaIncReg(a!, x!);
      close(r.p, p!, `P(${a}, ${x})`);
      close(r.q, q!, `Q(${a}, ${x})`);
    }
  });
  it("regularized incomplete beta and its complement", () => {
    for (const [a, b, x, v, c] of REF.special.betainc) {
      const r = betaIncReg(a!, b!, x!);
      close(r.value, v!, `I_${x}(${a}, ${b})`);
      close(r.complement, c!, `1 − I_${x}(${a}, ${b})`);
    }
  });
  it("normal CDF down to 1e-308 and quantile up from 1e-300", () => {
    for (const [z, e] of REF.special.normCdf) close(normCdf(z!), e, `Φ(${z})`);
    for (const [p, e] of REF.special.normQuantile) close(normQuantile(p!), e, `Φ⁻¹(${p})`);
  });
  it("chi-square and Student t tails", () => {
    for (const [x, k, e] of REF.special.chiSquareSf) close(chiSquareSf(x!, k!), e, `χ²_${k} sf(${x})`);
    for (const [t, df, e] of REF.special.studentTTwoSided) close(studentTTwoSided(t!, df!), e, `P(|T_${df}| ≥ ${t})`);
  });
});

describe("rates: Wilson intervals, z-test, lift interval, exact P(beat control)", () => {
  it.each(REF.rates.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const t = { units: c.t[1]!, converted: c.t[0]! };
    const ctl = { units: c.c[1]!, converted: c.c[0]! };
    closePair(rateSummary(t).interval, c.wilsonT, "Wilson interval, treatment");
    closePair(rateSummary(ctl).interval, c.wilsonC, "Wilson interval, control");
    const cmp = compareRates(t, ctl);
    close(cmp.z, c.z, "z");
    close(cmp.pValue, c.pValue, "p-value");
    close(cmp.lift, c.lift, "lift");
    closePair(cmp.interval, c.liftInterval, "lift interval");
    close(probBeatsControlRate(t, ctl), c.probBeats, "P(treatment beats control)");
  });
});

describe("means: variance, Welch's t-test, lift interval, normal P(beat control)", () => {
  it.each(REF.means.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const st = meanSummary(c.t);
    const sc = meanSummary(c.c);
    close(st.mean, c.summaryT.mean, "mean, treatment");
    close(st.variance, c.summaryT.variance, "variance, treatment");
    close(sc.mean, c.summaryC.mean, "mean, control");
    close(sc.variance, c.summaryC.variance, "variance, control");
    const cmp = compareMeans(c.t, c.c);
    close(cmp.t, c.t_stat, "t");
    close(cmp.df, c.df, "Welch df");
    close(cmp.pValue, c.pValue, "p-value");
    if ("lift" in c) close(cmp.lift, c.lift ?? null, "lift");
    closePair(cmp.interval, c.liftInterval, "lift interval");
    close(probBeatsControlMean(c.t, c.c), c.probBeats, "P(treatment beats control)");
  });
});

describe("sample-ratio mismatch (scipy.stats.chisquare)", () => {
  it.each(REF.srm.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const r = srmCheck(c.observed as Record<string, number>, c.expected as Record<string, number>);
    close(r.chiSquare, c.chiSquare, "χ²");
    expect(r.df).toBe(c.df);
    close(r.pValue, c.pValue, "p-value");
    expect(r.flagged).toBe(c.pValue! < 0.001);
  });
});

describe("holdout uplift", () => {
  it.each(REF.holdout.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const r = holdoutUplift({
      personalized: { units: c.personalized[1]!, converted: c.personalized[0]! },
      holdout: { units: c.holdout[1]!, converted: c.holdout[0]! },
      share: c.share,
    });
    close(r.absolute!.difference, c.difference, "difference");
    closePair(r.absolute!.interval, c.differenceInterval, "difference interval");
    close(r.incrementalConversions!.estimate, c.incremental, "incremental conversions");
    closePair(r.incrementalConversions!.interval, c.incrementalInterval, "incremental interval");
    close(r.rate.pValue, c.pValue, "p-value");
    close(r.rate.lift, c.lift, "lift");
    closePair(r.rate.interval, c.liftInterval, "lift interval");
    close(r.rate.probBeatsHoldout, c.probBeats, "P(personalized beats holdout)");
    close(r.srm!.pValue, c.srmPValue, "SRM p-value of the holdout split");
    expect(r.srm!.flagged).toBe(c.srmPValue! < 0.001);
  });
});
