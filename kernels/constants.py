"""Physical constants in the internal unit system of cevns-scan, each with its source.

Internal units: energy MeV, length fm (cross sections are converted to cm² at the end), time µs for
arrival times. Values are plain floats so Numba freezes them as compile-time constants.

| symbol | unit |
| --- | --- |
| energies, masses | MeV |
| lengths | fm (cm for fluences and cross sections) |
| times | µs |
"""

# Fermi constant G_F/(ħc)³ = 1.1663788(6)e-5 GeV⁻², PDG 2024 (MuLan) -> MeV⁻².
G_FERMI = 1.1663788e-11
# Reduced Planck constant times c, CODATA 2018 (exact by SI definition of h, c, e).
HBARC_MEV_FM = 197.3269804
HBARC_MEV_CM = HBARC_MEV_FM * 1e-13
# (ħc)² converts MeV⁻² to cm².
HBARC2_MEV2_CM2 = HBARC_MEV_CM * HBARC_MEV_CM
# Fine-structure constant α⁻¹ = 137.035999084, CODATA 2018.
ALPHA_EM = 1.0 / 137.035999084
# Electron mass, CODATA 2018.
M_ELECTRON = 0.51099895000
# Proton mass, CODATA 2018.
M_PROTON = 938.27208816
# Neutron mass, CODATA 2018.
M_NEUTRON = 939.56542052
# Atomic mass unit, CODATA 2018.
AMU_MEV = 931.49410242
# Muon mass, PDG 2024.
M_MUON = 105.6583755
# Charged-pion mass, PDG 2024.
M_PION = 139.57039
# W boson mass, PDG 2024.
M_W = 80369.2
# Charged-pion lifetime 2.6033e-8 s, PDG 2024 -> µs.
TAU_PION_US = 0.026033
# Muon lifetime 2.1969811e-6 s, PDG 2024 -> µs.
TAU_MUON_US = 2.1969811
# Avogadro constant (exact, SI 2019).
N_AVOGADRO = 6.02214076e23

# Low-energy weak mixing angle sin²θ̂_W(0) in MS-bar, PDG 2022 (seed 000:800; 004:217, 732).
SIN2W_LOW_ENERGY = 0.23857
# Electroweak ρ parameter used in the radiative corrections of eq. (2) of seed 000 (000:1086).
RHO_NC = 1.00063
# Radiatively corrected neutrino-proton vector couplings at sin²θ̂_W(0) (000:49, 000:1086).
GV_P_NUE = 0.0382
GV_P_NUMU = 0.0300
# Radiatively corrected neutrino-neutron vector coupling (000:49, 000:1086).
GV_N = -0.5117

# Nucleon mean-square charge radii, seed 000:1217 and 000:1221 (Hagen et al. 2016; Cadeddu et al. 2020), fm².
R2_PROTON_CHARGE = 0.7071
R2_NEUTRON_CHARGE = -0.1161
